import Foundation
import PIAChecks

/// The reviewer's search: every field optional, all given fields must match.
///
/// Parsed from the page's query string and written back into links, so that
/// pagination and exports apply exactly the filter on screen.
public struct ReviewFilter: Sendable, Equatable {
    public var recipient: String?
    public var purpose: String?
    public var decision: ReviewRecord.Decision?
    public var failedCheck: String?
    /// Inclusive lower bound.
    public var from: Date?
    /// Exclusive upper bound.
    public var until: Date?

    public init(
        recipient: String? = nil, purpose: String? = nil, decision: ReviewRecord.Decision? = nil,
        failedCheck: String? = nil, from: Date? = nil, until: Date? = nil
    ) {
        self.recipient = recipient
        self.purpose = purpose
        self.decision = decision
        self.failedCheck = failedCheck
        self.from = from
        self.until = until
    }

    /// The same filter in the log's terms; the log does the matching.
    var logFilter: LogFilter {
        LogFilter(
            recipient: recipient, purpose: purpose, decision: decision,
            failedCheck: failedCheck, from: from, until: until)
    }

    public var isEmpty: Bool { self == ReviewFilter() }

    /// Longest value accepted for a text field; identifiers are far shorter.
    static let maximumFieldLength = 512

    /// Reads the filter from query parameters. Empty values mean "any".
    /// Dates are `YYYY-MM-DD` (UTC midnight; `to` includes that whole day) or
    /// full ISO 8601 instants.
    public init(query: ReviewQuery) throws(ReviewRequestError) {
        func text(_ key: String) throws(ReviewRequestError) -> String? {
            guard let value = query[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            guard value.count <= Self.maximumFieldLength, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw ReviewRequestError.invalidParameter(key, "too long or contains control characters")
            }
            return value
        }
        self.recipient = try text("recipient")
        self.purpose = try text("purpose")
        self.failedCheck = try text("check")
        if let decision = try text("decision") {
            guard let parsed = ReviewRecord.Decision(rawValue: decision) else {
                throw ReviewRequestError.invalidParameter("decision", "expected transfer, refused or declined")
            }
            self.decision = parsed
        }
        if let from = try text("from") {
            guard let date = Self.parseDate(from, endOfDay: false) else {
                throw ReviewRequestError.invalidParameter("from", "expected YYYY-MM-DD or an ISO 8601 time")
            }
            self.from = date
        }
        if let to = try text("to") {
            guard let date = Self.parseDate(to, endOfDay: true) else {
                throw ReviewRequestError.invalidParameter("to", "expected YYYY-MM-DD or an ISO 8601 time")
            }
            self.until = date
        }
        if let from, let until, until <= from {
            throw ReviewRequestError.invalidParameter("to", "must be after from")
        }
    }

    /// The filter as query items, in a fixed order, for links and exports.
    public var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        if let recipient { items.append(("recipient", recipient)) }
        if let purpose { items.append(("purpose", purpose)) }
        if let decision { items.append(("decision", decision.rawValue)) }
        if let failedCheck { items.append(("check", failedCheck)) }
        if let from { items.append(("from", ReviewFormat.instant(from))) }
        if let until { items.append(("to", ReviewFormat.instant(until))) }
        return items
    }

    /// A short text for the reviewer audit trail.
    public var auditDescription: String {
        let items = queryItems
        return items.isEmpty ? "all" : items.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }

    static func parseDate(_ text: String, endOfDay: Bool) -> Date? {
        if text.count == 10, let day = ReviewFormat.parseDay(text) {
            return endOfDay ? day.addingTimeInterval(86_400) : day
        }
        return ReviewFormat.parseInstant(text)
    }
}
