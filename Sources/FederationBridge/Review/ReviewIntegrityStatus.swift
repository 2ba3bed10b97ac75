import Foundation

/// What the overview banner says about the transfer log.
public enum ReviewIntegrityStatus: Sendable, Equatable {
    /// Every stored entry hashes into the signed tree head.
    case verified(checkpointSize: Int, checkpointTime: Date?, rootHex: String)
    /// Nothing logged yet, so there is nothing to verify.
    case empty
    /// Verification failed; `firstBadEntry` is the sequence number of the
    /// first entry that does not match, when one can be named.
    case failed(firstBadEntry: Int?, reason: String)

    var isVerified: Bool {
        if case .verified = self { return true }
        return false
    }

    /// The banner sentence, in English (logs, tests).
    var message: String { message(in: .english) }

    /// The banner sentence in the page's language; the reason of a failure
    /// is the verifier's own text.
    func message(in language: Language) -> String {
        switch self {
        case .verified(let size, let time, let root):
            let when = time.map { ReviewStrings.format("integrity.at", in: language, ["time": ReviewFormat.readable($0)]) } ?? ""
            return ReviewStrings.format("integrity.verified", in: language, ["size": String(size), "when": when, "root": root])
        case .empty:
            return ReviewStrings.format("integrity.empty", in: language)
        case .failed(let entry?, let reason):
            return ReviewStrings.format("integrity.failed_at", in: language, ["entry": String(entry), "reason": reason])
        case .failed(nil, let reason):
            return ReviewStrings.format("integrity.failed", in: language, ["reason": reason])
        }
    }
}
