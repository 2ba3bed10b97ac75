import Foundation

/// iAM Smart keeps one content encryption key per client: each `getKey`
/// replaces the one before. Bridge instances behind one load balancer share
/// that client, so they must share the key too, or each instance's `getKey`
/// would break the others' next calls. An implementation keeps the key where
/// every instance reads it (encrypted at rest).
public protocol ContentKeySharing: Sendable {
    /// The key another instance (or this one) published, if any is current.
    func current() async -> SharedContentKey?
    /// Publishes a freshly fetched key in place of `previous` (nil: none was
    /// seen). A failure only costs another instance one `getKey` of its own.
    func publish(_ key: SharedContentKey, replacing previous: SharedContentKey?) async
}

/// A content key as instances pass it on.
public struct SharedContentKey: Sendable, Equatable, Codable {
    /// Names this fetch of the key; a key found invalid is not taken again.
    public var id: String
    public var keyBytes: Data
    /// Epoch ms after which the key is not used (expiry minus margin).
    public var usableUntil: Int64

    public init(id: String, keyBytes: Data, usableUntil: Int64) {
        self.id = id
        self.keyBytes = keyBytes
        self.usableUntil = usableUntil
    }
}
