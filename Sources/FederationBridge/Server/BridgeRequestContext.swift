import Hummingbird

/// Per-request context: the page language and the resident's session, set
/// by the resident middleware, on top of Hummingbird's core context.
public struct BridgeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Language of any page this request renders.
    public var language: Language
    /// The resident's session ID (resident routes only).
    public var sessionID: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.language = .default
        self.sessionID = nil
    }
}
