/// Bounds applied to every XML document the bridge parses.
///
/// SAML messages are small; anything much larger or deeper is an attack or a
/// mistake, and refusing it early keeps parsing cost predictable.
public struct XMLLimits: Sendable, Hashable {
    /// Largest accepted document in bytes, also the cap for inflated DEFLATE input.
    public var maxBytes: Int
    /// Deepest accepted element nesting (the root element is depth 1).
    public var maxDepth: Int

    public init(maxBytes: Int = 256 * 1024, maxDepth: Int = 64) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    public static let `default` = XMLLimits()
}
