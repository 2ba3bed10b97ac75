import SAMLMapper

/// A requested attribute the bridge will not release, and why: names and
/// reasons only, so it may be logged and shown to operators.
struct WithheldRequest: Sendable, Hashable, CustomStringConvertible {
    enum Reason: String, Sendable, Hashable {
        /// No attribute is registered under this Name and NameFormat (docs/attributes.md).
        case unknownName = "unknown-name"
        /// The purpose in the privacy policy does not allow it.
        case notInPurpose = "not-in-purpose"
        /// A claim check compares it; compared values are never released.
        case comparedOnly = "compared-only"
        /// A match result, released only when the relying party sends claims to check.
        case noClaim = "no-claim"
        /// Allowed, but this resident's data cannot support it (the mapper's reason follows).
        case notProduced = "not-produced"

        /// One line for operators.
        var explanation: String {
            switch self {
            case .unknownName: "no attribute is registered under this Name and NameFormat"
            case .notInPurpose: "the purpose does not allow it"
            case .comparedOnly: "compared in a claim check, never released"
            case .noClaim: "released only when the partner sends a claim to check"
            case .notProduced: "the resident's data cannot support it"
            }
        }
    }

    /// The name as the relying party wrote it, e.g. `urn:oid:2.5.4.3 (uri)`.
    var requested: String
    var reason: Reason
    /// The mapper's reason when `reason` is `notProduced`.
    var detail: String?

    var description: String {
        "\(requested)=\(reason.rawValue)" + (detail.map { ":\($0)" } ?? "")
    }
}
