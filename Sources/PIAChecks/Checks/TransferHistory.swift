import Foundation

/// Where the evaluator reads past transfers for the volume check.
///
/// `TransferLog` is the production source; tests supply fixed histories.
public protocol TransferHistory: Sendable {
    /// Transfers (decision `transfer`) to `recipient` in the hour ending at
    /// `now` and in each of the `hours` whole hours before it, oldest first.
    func hourlyTransferCounts(recipient: String, hours: Int, now: Date) async throws -> HourlyCounts
}

/// Transfer counts per hour for one recipient.
public struct HourlyCounts: Sendable, Hashable {
    public var current: Int
    public var previous: [Int]

    public init(current: Int, previous: [Int]) {
        self.current = current
        self.previous = previous
    }
}
