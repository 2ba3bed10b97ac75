import Hummingbird

/// A reviewer request the pages cannot answer; shown to the reviewer as is.
public enum ReviewRequestError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidParameter(String, String)
    case noSuchEntry(Int)
    case noSuchPurpose(String)
    case entryRedacted(Int)

    public var description: String {
        switch self {
        case .invalidParameter(let name, let problem): "parameter '\(name)': \(problem)"
        case .noSuchEntry(let sequence): "the transfer log has no entry \(sequence)"
        case .noSuchPurpose(let purpose): "the policy has no purpose '\(purpose)'"
        case .entryRedacted(let sequence): "entry \(sequence) is past retention; only its leaf hash remains"
        }
    }

    /// The message in the reviewer's language; parameter names and values stay as typed.
    func message(in language: Language) -> String {
        switch self {
        case .invalidParameter(let name, let problem):
            let problemKey = Self.problemKeys[problem] ?? "problem.text"
            return ReviewStrings.format(
                "error.invalid_parameter", in: language, ["name": name, "problem": ReviewStrings.format(problemKey, in: language)])
        case .noSuchEntry(let sequence): return ReviewStrings.format("error.no_entry", in: language, ["sequence": String(sequence)])
        case .noSuchPurpose(let purpose): return ReviewStrings.format("error.no_purpose", in: language, ["purpose": purpose])
        case .entryRedacted(let sequence): return ReviewStrings.format("error.redacted", in: language, ["sequence": String(sequence)])
        }
    }

    /// The problems the pages name, and their texts in `ReviewStrings`.
    static let problemKeys: [String: String] = [
        Problem.flow: "problem.flow", Problem.subject: "problem.subject", Problem.reference: "problem.reference",
        Problem.decision: "problem.decision", Problem.date: "problem.date", Problem.order: "problem.order", Problem.page: "problem.page",
        Problem.sequence: "problem.sequence", Problem.text: "problem.text",
    ]

    /// The problem texts, in English, for logs and the audit trail.
    enum Problem {
        static let flow = "expected a flow reference such as fl- followed by 26 letters and digits"
        static let subject = "expected a subject digest of 64 hexadecimal digits"
        static let reference =
            "expected the reference from a resident's page: fl- and 26 letters and digits, or up to 32 hexadecimal digits"
        static let decision = "expected transfer, refused, declined or withdrawn"
        static let date = "expected YYYY-MM-DD or an ISO 8601 time"
        static let order = "must be after from"
        static let page = "expected a page number from 1"
        static let sequence = "expected a non-negative entry number"
        static let text = "too long or contains control characters"
    }

    var status: HTTPResponse.Status {
        switch self {
        case .invalidParameter: .badRequest
        case .noSuchEntry, .noSuchPurpose: .notFound
        case .entryRedacted: .gone
        }
    }
}
