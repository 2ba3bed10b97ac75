/// Faults a test can switch on in one sandbox instance, to see the client's
/// typed error for each. They apply to the `/api/v1/…` JSON endpoints, not to
/// the browser pages.
public struct SandboxFaults: Sendable, Hashable {
    /// Wait this long before answering.
    public var delay: Duration?
    /// Answer HTTP 503 with a plain-text body.
    public var serverError: Bool
    /// Answer 200 with a truncated JSON envelope.
    public var malformedJSON: Bool
    /// Corrupt the GCM tag of encrypted response content.
    public var wrongGCMTag: Bool
    /// Treat every CEK as expired: every encrypted call gets `D30002`, even
    /// with a key fetched a moment ago. (For a single expiry that the client
    /// should recover from, use ``IAMSmartSandbox/expireContentKeys()``.)
    public var rejectContentKeys: Bool

    public init(
        delay: Duration? = nil,
        serverError: Bool = false,
        malformedJSON: Bool = false,
        wrongGCMTag: Bool = false,
        rejectContentKeys: Bool = false
    ) {
        self.delay = delay
        self.serverError = serverError
        self.malformedJSON = malformedJSON
        self.wrongGCMTag = wrongGCMTag
        self.rejectContentKeys = rejectContentKeys
    }

    public static let none = SandboxFaults()
}
