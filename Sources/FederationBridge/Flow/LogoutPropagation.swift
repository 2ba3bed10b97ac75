import Foundation
import SAMLMapper

/// A Single Logout under way through the browser (front channel): the
/// partner that asked and how to answer it, the partner whose
/// LogoutResponse is awaited and those still to be told. Sealed in the store
/// under `id`, whose phase is the ID of the LogoutRequest awaiting its
/// answer, so each LogoutResponse moves it on exactly once.
struct LogoutPropagation: Codable, Sendable {
    /// Where and how the requesting partner is answered.
    struct Endpoint: Codable, Sendable, Hashable {
        var binding: String
        var location: String

        init(_ endpoint: MetadataEndpoint) {
            binding = endpoint.binding
            location = endpoint.location
        }
    }

    /// `slo-` and 26 base32 characters; also the RelayState sent to each partner.
    var id: String
    var requester: String
    var requestID: String
    var answer: Endpoint
    var relayState: String?
    var awaiting: SessionParticipant?
    var awaitingRequestID: String?
    var remaining: [SessionParticipant]
    /// Some partner failed or could not be told: the answer is PartialLogout.
    var partial: Bool
    var expiresAt: Date

    static func newID() -> String {
        "slo-" + FlowID.random().value.dropFirst(3)
    }

    /// Whether `text` has the form `newID()` makes, so a hostile RelayState never reaches the store.
    static func isWellFormedID(_ text: String) -> Bool {
        text.hasPrefix("slo-") && FlowID("fl-" + text.dropFirst(4)) != nil
    }

    /// The SAML status for the requesting partner.
    var status: SAMLStatus {
        partial
            ? SAMLStatus(
                code: SAMLStatus.success, subCode: SAMLStatus.partialLogout,
                message: "logged out here; one or more other partners could not confirm the logout")
            : SAMLStatus()
    }
}
