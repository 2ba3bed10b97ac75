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

    /// The banner sentence.
    var message: String {
        switch self {
        case .verified(let size, let time, let root):
            let when = time.map { " at \(ReviewFormat.readable($0))" } ?? ""
            return "Log verified up to checkpoint \(size)\(when), root \(root)"
        case .empty:
            return "The transfer log is empty: nothing has been transferred or refused yet."
        case .failed(let entry?, let reason):
            return "Log verification FAILED at entry \(entry): \(reason)"
        case .failed(nil, let reason):
            return "Log verification FAILED: \(reason)"
        }
    }
}
