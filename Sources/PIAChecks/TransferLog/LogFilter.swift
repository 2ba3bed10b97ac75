import Foundation

/// Which entries a reviewer wants to see.
public struct LogFilter: Sendable, Hashable {
    public var recipient: String?
    public var purpose: String?
    public var decision: TransferDecision?
    /// Only entries where the check with this id failed.
    public var failedCheck: String?
    public var from: Date?
    /// Exclusive upper bound.
    public var until: Date?

    public init(
        recipient: String? = nil, purpose: String? = nil, decision: TransferDecision? = nil,
        failedCheck: String? = nil, from: Date? = nil, until: Date? = nil
    ) {
        self.recipient = recipient
        self.purpose = purpose
        self.decision = decision
        self.failedCheck = failedCheck
        self.from = from
        self.until = until
    }

    func matches(_ record: StoredRecord, entry: TransferLogEntry?) -> Bool {
        if let recipient, record.recipient != recipient { return false }
        if let purpose, record.purpose != purpose { return false }
        if let decision, record.decision != decision.rawValue { return false }
        let time = Date(timeIntervalSince1970: Double(record.timeMillis) / 1000)
        if let from, time < from { return false }
        if let until, time >= until { return false }
        if let failedCheck {
            guard let entry, entry.checks.contains(where: { $0.id == failedCheck && !$0.passed }) else { return false }
        }
        return true
    }
}

/// A window of results.
public struct Page: Sendable, Hashable {
    public var offset: Int
    public var limit: Int

    public init(offset: Int = 0, limit: Int = 100) {
        self.offset = max(0, offset)
        self.limit = max(0, limit)
    }

    public static let all = Page(offset: 0, limit: Int.max)
}
