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

    var status: HTTPResponse.Status {
        switch self {
        case .invalidParameter: .badRequest
        case .noSuchEntry, .noSuchPurpose: .notFound
        case .entryRedacted: .gone
        }
    }
}
