import Foundation
import IAMSmart
import SAMLMapper

/// Where and how to answer the relying party. No personal data: it may
/// outlive the flow's personal data (in `FlowPointer`) so that even an
/// expired flow can be answered with a SAML status.
struct FlowRoute: Codable, Sendable {
    var requestID: String
    var relyingParty: String
    /// The ACS, always taken from the relying party's metadata.
    var acsURL: String
    /// `MetadataEndpoint.postBinding` or `.artifactBinding`.
    var binding: String
    var relayState: String?
    var purposeID: String
    var nameIDFormat: String
    var authnContextClassRef: String
    /// "Usable but not visible": the relying party sent claims to check.
    var claimMode: Bool
}

/// Session → flow, sealed like the flow and kept a little longer than it, so
/// an expired flow is told apart from a session that never had one.
struct FlowPointer: Codable, Sendable {
    var flowID: String
    var route: FlowRoute
    var flowExpiresAt: Date
}

/// One attribute as it will be sent, with the transforms behind it.
struct StoredAttribute: Codable, Sendable {
    var name: GuangdongAttribute
    var attribute: SAMLAttribute
    var transforms: [AttributeTransform]
}

/// What the consent page shows and the assertion will carry, prepared once
/// so the two cannot differ. The iAM Smart profile itself is not kept.
struct PreparedRelease: Codable, Sendable {
    var pairwiseNameID: String
    var attributes: [StoredAttribute]
    var subjectAgeYears: Int?
    /// `PIAChecks.AssuranceLevel` raw value.
    var assurance: String
    var authnInstant: Date
}

/// A flow's state, sealed at rest by `StateVault` (AES-GCM) and deleted when
/// the flow ends; the store drops it at `expiresAt` otherwise.
struct FlowState: Codable, Sendable {
    enum Phase: String, Codable, Sendable {
        case awaitingIAMSmart = "awaiting-iamsmart"
        case awaitingConsent = "awaiting-consent"
    }

    var flowID: String
    var phase: Phase
    var route: FlowRoute
    /// Claimed values from the relying party (personal data): kept only until mapped.
    var claims: ClaimedValues
    var pending: PendingAuthorization?
    var release: PreparedRelease?
    var createdAt: Date
    var expiresAt: Date
}
