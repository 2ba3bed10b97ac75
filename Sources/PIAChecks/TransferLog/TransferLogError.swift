/// Failures of the transfer log. Any of them on append means: do not transfer.
public enum TransferLogError: Error, CustomStringConvertible, Sendable, Equatable {
    case badStoreURL(String)
    case storeUnavailable(String)
    case corrupt(String)
    case noSuchEntry(Int)
    case noTreeHead(String)
    case badKey(String)
    case badCheckpoint(String)
    case badProof(String)
    /// The stored log does not extend the newest checkpoint this bridge
    /// signed: rolled back, forked or rewritten. Every append is refused.
    case notExtending(String)
    /// An entry, column or hash tile below a size this bridge signed no
    /// longer matches it (edited in the middle). Every append is refused.
    case auditFailed(String)

    /// The log was changed behind the bridge's back; latched until restart.
    public var isIntegrityFailure: Bool {
        switch self {
        case .notExtending, .auditFailed: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .badStoreURL(let why): "bad store URL: \(why) (use sqlite:PATH or postgres://user@host:port/db?schema=NAME)"
        case .storeUnavailable(let why): "transfer log store unavailable: \(why)"
        case .corrupt(let why): "transfer log is inconsistent: \(why)"
        case .noSuchEntry(let seq): "no entry \(seq) in the transfer log"
        case .noTreeHead(let why): "no signed tree head: \(why)"
        case .badKey(let why): "bad tree-head key: \(why)"
        case .badCheckpoint(let why): "bad checkpoint: \(why)"
        case .badProof(let why): "proof does not verify: \(why)"
        case .notExtending(let why):
            "the stored transfer log does not extend the newest checkpoint this bridge signed: \(why); no transfers until an operator restores the log"
        case .auditFailed(let why):
            "the stored transfer log no longer matches what this bridge signed: \(why); no transfers until an operator restores the log"
        }
    }
}

/// The first place where the stored log and its recomputation disagree.
public struct LogVerificationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Sequence number of the first entry that does not match, when one can be named.
    public var entry: Int?
    public var problem: String

    public init(entry: Int?, problem: String) {
        self.entry = entry
        self.problem = problem
    }

    public var description: String {
        if let entry { return "entry \(entry): \(problem)" }
        return problem
    }
}
