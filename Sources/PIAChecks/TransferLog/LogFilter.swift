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
    /// Only entries about this subject (the entry's keyed subject digest, hex).
    public var subjectDigest: String?
    /// Only the entry with this assertion ID.
    public var assertionID: String?

    public init(
        recipient: String? = nil, purpose: String? = nil, decision: TransferDecision? = nil,
        failedCheck: String? = nil, from: Date? = nil, until: Date? = nil, subjectDigest: String? = nil, assertionID: String? = nil
    ) {
        self.subjectDigest = subjectDigest
        self.assertionID = assertionID
        self.recipient = recipient
        self.purpose = purpose
        self.decision = decision
        self.failedCheck = failedCheck
        self.from = from
        self.until = until
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
