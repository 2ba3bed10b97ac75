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
    /// A flow reference (`fl-…`), as shown to the resident on the consent
    /// and error pages; the entry logged for that flow carries it as its assertion ID.
    public var flowReference: String?
    /// A keyed subject digest (64 hex), as the resident's "What have I
    /// shared?" page shows it: for access requests.
    public var subjectDigest: String?
    /// The reference on a resident's error or return page: a flow reference
    /// or a request ID. Finds the flow's log entry, and failures that never
    /// reached the log (kept in the state store).
    public var reference: String?

    public init(
        recipient: String? = nil, purpose: String? = nil, decision: ReviewRecord.Decision? = nil,
        failedCheck: String? = nil, from: Date? = nil, until: Date? = nil, flowReference: String? = nil, subjectDigest: String? = nil
    ) {
        self.flowReference = flowReference
        self.subjectDigest = subjectDigest
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
            failedCheck: failedCheck, from: from, until: until, subjectDigest: subjectDigest,
            assertionID: flowReference.flatMap(FlowID.init).map(\.assertionID) ?? reference.map { Self.assertionID(reference: $0) })
    }

    /// The assertion ID a reference is logged under: a flow's, or (a
    /// request ID) one no entry carries, so that the log part finds nothing.
    static func assertionID(reference: String) -> String {
        FlowID(reference)?.assertionID ?? "_" + reference
    }

    /// The references to look up among failures that did not reach the log.
    var failureReferences: [String] {
        var references: [String] = []
        for value in [flowReference, reference].compactMap({ $0 }) where !references.contains(value) { references.append(value) }
        return references
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
                throw ReviewRequestError.invalidParameter(key, ReviewRequestError.Problem.text)
            }
            return value
        }
        self.recipient = try text("recipient")
        self.purpose = try text("purpose")
        self.failedCheck = try text("check")
        if let decision = try text("decision") {
            guard let parsed = ReviewRecord.Decision(rawValue: decision) else {
                throw ReviewRequestError.invalidParameter("decision", ReviewRequestError.Problem.decision)
            }
            self.decision = parsed
        }
        if let from = try text("from") {
            guard let date = Self.parseDate(from, endOfDay: false) else {
                throw ReviewRequestError.invalidParameter("from", ReviewRequestError.Problem.date)
            }
            self.from = date
        }
        if let to = try text("to") {
            guard let date = Self.parseDate(to, endOfDay: true) else {
                throw ReviewRequestError.invalidParameter("to", ReviewRequestError.Problem.date)
            }
            self.until = date
        }
        if let flow = try text("flow") {
            guard FlowID(flow) != nil else {
                throw ReviewRequestError.invalidParameter("flow", ReviewRequestError.Problem.flow)
            }
            self.flowReference = flow
        }
        if let subject = try text("subject")?.lowercased() {
            guard subject.count == 64, subject.allSatisfy(\.isHexDigit) else {
                throw ReviewRequestError.invalidParameter("subject", ReviewRequestError.Problem.subject)
            }
            self.subjectDigest = subject
        }
        if let reference = try text("reference")?.lowercased() {
            guard FailureRecord.isReference(reference) else {
                throw ReviewRequestError.invalidParameter("reference", ReviewRequestError.Problem.reference)
            }
            self.reference = reference
        }
        if let from, let until, until <= from {
            throw ReviewRequestError.invalidParameter("to", ReviewRequestError.Problem.order)
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
        if let flowReference { items.append(("flow", flowReference)) }
        if let subjectDigest { items.append(("subject", subjectDigest)) }
        if let reference { items.append(("reference", reference)) }
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
