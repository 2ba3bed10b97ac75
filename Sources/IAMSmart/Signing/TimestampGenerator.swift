import Foundation

/// Hands out request timestamps (epoch milliseconds) that never decrease.
///
/// iAM Smart rejects a timestamp older than one it has seen; a wall clock can
/// step back (NTP correction, VM resume). The generator therefore returns
/// `max(wallClock, last)`: time stands still until the wall clock catches up,
/// instead of going backwards. An actor, so concurrent requests share one floor.
public actor TimestampGenerator {
    private let wallClock: @Sendable () -> Int64
    private var last: Int64 = 0

    /// - Parameter wallClock: milliseconds since 1970; injectable for tests.
    public init(wallClock: @escaping @Sendable () -> Int64 = TimestampGenerator.systemMilliseconds) {
        self.wallClock = wallClock
    }

    /// The next timestamp: never below any earlier one from this generator.
    public func next() -> Int64 {
        let now = wallClock()
        last = max(now, last)
        return last
    }

    @Sendable public static func systemMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// Nonces for the `nonce` header: a random UUID, 36 characters, the header's limit.
public enum NonceGenerator {
    public static let maximumLength = 36

    public static func next() -> String {
        UUID().uuidString.lowercased()
    }
}
