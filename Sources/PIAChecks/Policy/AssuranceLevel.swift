/// How strongly the subject's identity was established at the source.
///
/// iAM Smart publishes no machine-readable level; the service derives one
/// (registration with ID card read and face match → `substantial`; iAM Smart+
/// with a recognised certificate or re-authentication with face recognition
/// → `high`). Ordered so a check can say "at least".
public enum AssuranceLevel: String, Sendable, Codable, Comparable, CaseIterable {
    case low
    case substantial
    case high

    private var rank: Int {
        switch self {
        case .low: 0
        case .substantial: 1
        case .high: 2
        }
    }

    public static func < (lhs: AssuranceLevel, rhs: AssuranceLevel) -> Bool {
        lhs.rank < rhs.rank
    }
}
