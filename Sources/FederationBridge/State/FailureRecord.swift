import Foundation

/// A failure a resident was shown that never reached the transfer log (a
/// refused AuthnRequest, an iAM Smart failure, a request declined or left
/// to expire in the app), kept so that a reviewer who is quoted the
/// reference on the resident's page can look it up.
///
/// Pseudonymous fields only: the reference the page showed, the stable
/// error code, the partner's entity ID and the flow reference. Never a
/// name, ID number, birth date, phone number or address.
public struct FailureRecord: Sendable, Hashable {
    /// The reference on the resident's page: a request ID or a flow reference.
    public var reference: String
    public var time: Date
    /// The stable code (`FlowError.Code`, or how the flow ended at iAM Smart).
    public var code: String
    /// What the resident was told, which also picks the reviewer's explanation.
    public var kind: ResidentErrorKind
    /// The relying party's entity ID, when the request was verified far enough to know it.
    public var partner: String?
    /// The flow reference (`fl-…`), when the failure belongs to a flow.
    public var flowReference: String?

    public init(
        reference: String, time: Date, code: String, kind: ResidentErrorKind, partner: String? = nil, flowReference: String? = nil
    ) {
        self.reference = reference
        self.time = time
        self.code = code
        self.kind = kind
        self.partner = partner
        self.flowReference = flowReference
    }

    /// Longest reference kept or searched: request IDs are 32 hex digits, flow references 29 characters.
    static let maximumReferenceLength = 64

    /// Whether `text` has the form of a reference the pages show (a request
    /// ID in hex or a flow reference), so that nothing else reaches a query.
    public static func isReference(_ text: String) -> Bool {
        if FlowID(text) != nil { return true }
        return !text.isEmpty && text.count <= 32 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
