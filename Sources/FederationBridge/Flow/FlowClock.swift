import Foundation

/// The flow's notion of "now". Production uses the system clock; tests move
/// it forward to expire a flow without waiting.
public final class FlowClock: Sendable {
    private let offset = OffsetBox()

    public init() {}

    public static var system: FlowClock { FlowClock() }

    public func now() -> Date {
        Date().addingTimeInterval(offset.value)
    }

    /// Moves this clock forward (tests only).
    public func advance(by seconds: TimeInterval) {
        offset.value += seconds
    }
}

private final class OffsetBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: TimeInterval = 0
    var value: TimeInterval {
        get { lock.withLock { _value } }
        set { lock.withLock { _value = newValue } }
    }
}
