import Foundation
import IAMSmart
import SAMLMapper

/// How the Response reaches the relying party's ACS.
enum ResponseBinding: String, Codable, Sendable, CaseIterable {
    case post
    case artifact

    /// The binding of an ACS endpoint from metadata; `nil` for bindings we do not answer on.
    init?(metadataBinding: String) {
        switch metadataBinding {
        case MetadataEndpoint.postBinding: self = .post
        case MetadataEndpoint.artifactBinding: self = .artifact
        default: return nil
        }
    }

    var uri: String {
        switch self {
        case .post: MetadataEndpoint.postBinding
        case .artifact: MetadataEndpoint.artifactBinding
        }
    }
}

/// The relying party's RequestedAuthnContext, kept with the flow so it is
/// judged against what the sign-in actually obtained.
struct RequestedContext: Codable, Sendable, Hashable {
    var comparison: String
    var classRefs: [String]

    init?(_ requested: AuthnRequest.RequestedAuthnContext?) {
        guard let requested else { return nil }
        comparison = requested.comparison.rawValue
        classRefs = requested.classRefs
    }

    var saml: AuthnRequest.RequestedAuthnContext {
        AuthnRequest.RequestedAuthnContext(comparison: .init(rawValue: comparison) ?? .exact, classRefs: classRefs)
    }
}

/// Where and how to answer the relying party. No personal data: it may
/// outlive the flow's personal data (in `FlowPointer`) so that even an
/// expired flow can be answered with a SAML status.
struct FlowRoute: Codable, Sendable {
    var requestID: String
    var relyingParty: String
    /// The ACS, always taken from the relying party's metadata.
    var acsURL: String
    var binding: ResponseBinding
    var relayState: String?
    var purposeID: String
    var nameIDFormat: String
    var requestedAuthnContext: RequestedContext?
    /// "Usable but not visible": the relying party sent claims to check.
    var claimMode: Bool
}

/// Session → flow, sealed like the flow and kept a little longer than it, so
/// an expired flow is told apart from a session that never had one.
struct FlowPointer: Codable, Sendable {
    var flowID: String
    var route: FlowRoute
    var flowExpiresAt: Date
    /// Set when the flow ended (answered, refused or failed): a later request
    /// on this session is a late duplicate, not an expiry to report.
    var finished: Bool?
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
    /// Attributes the relying party may receive but that are held back, with why (no values).
    var withheld: [GuangdongAttribute: WithheldReason]
    var subjectAgeYears: Int?
    /// `PIAChecks.AssuranceLevel` raw value.
    var assurance: String
    /// The class asserted: one the sign-in obtained that meets the request.
    var authnContextClassRef: String
    var authnInstant: Date
}

/// A flow's state, sealed at rest by `StateVault` (AES-GCM) and deleted when
/// the flow ends; the store drops it at `expiresAt` otherwise.
///
/// The phase is also kept in clear beside the sealed state, so that each
/// step can take the flow with one conditional statement
/// (`StateStore.advanceFlow`): of two concurrent requests for the same step,
/// on any instance, exactly one proceeds.
struct FlowState: Codable, Sendable {
    enum Phase: String, Codable, Sendable {
        /// Waiting for the resident to come back from iAM Smart.
        case awaitingIAMSmart = "awaiting-iamsmart"
        /// A callback took the flow and is exchanging its code.
        case exchangingCode = "exchanging-code"
        case awaitingConsent = "awaiting-consent"
        /// A consent answer took the flow; the gate and delivery run once.
        case deciding
    }

    var flowID: String
    var phase: Phase
    var route: FlowRoute
    /// Claimed values from the relying party (personal data): kept only until mapped.
    var claims: ClaimedValues
    var pending: PendingAuthorization?
    /// Set while a face re-authentication (step-up) is pending: the first
    /// sign-in, whose account the re-authentication must name again.
    var stepUpFrom: IAMSmartSession?
    var release: PreparedRelease?
    var createdAt: Date
    var expiresAt: Date
}
