import Foundation
import Hummingbird
import SAMLMapper

/// Why a flow step was refused: one stable code per cause, the HTTP status,
/// the SAML status when a relying party is answered, and a message an
/// operator can act on. Never personal data.
public struct FlowError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case unknownIssuer = "unknown-issuer"
        case badSignature = "bad-signature"
        case unsignedRequest = "unsigned-request"
        case replayedRequest = "replayed-request"
        case acsNotInMetadata = "acs-not-in-metadata"
        case staleRequest = "stale-request"
        case wrongDestination = "wrong-destination"
        case malformedRequest = "malformed-request"
        case unsupportedRequest = "unsupported-request"
        case authnContextUnavailable = "no-authn-context"
        case purposeUnknown = "purpose-unknown"
        case recipientNotInPolicy = "recipient-not-in-policy"
        case noFlow = "no-flow"
        case flowExpired = "flow-expired"
        case unknownState = "unknown-state"
        case unexpectedStep = "unexpected-step"
        case csrfInvalid = "csrf-invalid"
        case missingDecision = "missing-decision"
        case consentChanged = "consent-changed"
        case iamSmartFailed = "iamsmart-failed"
        case transferLogUnavailable = "transfer-log-unavailable"
        case partnerMetadataUnavailable = "partner-metadata-unavailable"
        case artifactUnknown = "artifact-unknown"
        case noLogoutService = "no-logout-service"
        case unknownSession = "unknown-session"
        case nameIDMismatch = "name-id-mismatch"
        case internalFailure = "internal"
    }

    /// Response header naming the code, for partners' and operators' tooling.
    public static let header = "FB-Error"

    public var code: Code
    public var status: HTTPResponse.Status
    public var detail: String
    /// Top-level and second-level SAML status for the relying party.
    public var samlStatus: SAMLStatus?
    public var residentKind: ResidentErrorKind
    /// Set when the relying party can be answered (its ACS is known from metadata).
    var route: FlowRoute?
    /// The flow the failure ended, when there was one (kept for reviewers).
    var flowID: String?

    init(
        _ code: Code, _ status: HTTPResponse.Status, _ kind: ResidentErrorKind, _ detail: String,
        saml: SAMLStatus? = nil, route: FlowRoute? = nil, flowID: String? = nil
    ) {
        self.flowID = flowID
        self.code = code
        self.status = status
        self.residentKind = kind
        self.detail = detail
        self.samlStatus = saml
        self.route = route
    }

    public var description: String { "\(code.rawValue): \(detail)" }

    static func requester(_ subCode: String, _ message: String) -> SAMLStatus {
        SAMLStatus(code: SAMLStatus.requester, subCode: subCode, message: message)
    }

    /// Maps what the SAML layer threw while reading an AuthnRequest.
    static func fromAuthnRequest(_ error: any Error) -> FlowError {
        let detail = "\(error)"
        switch error {
        case let e as AuthnRequestError:
            switch e {
            case .unknownIssuer:
                return FlowError(.unknownIssuer, .forbidden, .unknownPartner, detail + "; add the partner's metadata to the metadata folder")
            case .signatureRequired: return FlowError(.unsignedRequest, .forbidden, .invalidRequest, detail)
            case .issueInstantOutOfRange:
                return FlowError(.staleRequest, .badRequest, .invalidRequest, detail + "; check the partner's clock or resend a fresh request")
            case .acsURLNotInMetadata, .acsIndexNotInMetadata, .noAssertionConsumerService:
                return FlowError(.acsNotInMetadata, .badRequest, .invalidRequest, detail + "; responses go only to ACS endpoints listed in metadata")
            case .destinationMismatch: return FlowError(.wrongDestination, .badRequest, .invalidRequest, detail)
            default: return FlowError(.unsupportedRequest, .badRequest, .invalidRequest, detail)
            }
        default:
            return fromBinding(error, message: "AuthnRequest")
        }
    }

    /// Maps a signature or binding failure (or anything unreadable) of an incoming `message`.
    static func fromBinding(_ error: any Error, message: String) -> FlowError {
        let detail = "\(error)"
        switch error {
        case is SignatureError:
            return badSignature(detail)
        case let e as BindingError:
            switch e {
            case .signatureInvalid, .signatureMissing, .algorithmNotAllowed, .noTrustedKey: return badSignature(detail)
            default: return FlowError(.malformedRequest, .badRequest, .invalidRequest, "\(message) unreadable: \(detail)")
            }
        default:
            return FlowError(.malformedRequest, .badRequest, .invalidRequest, "\(message) unreadable: \(detail)")
        }
    }

    static func badSignature(_ detail: String) -> FlowError {
        FlowError(.badSignature, .forbidden, .invalidRequest, detail + "; the request must be signed with the key in the partner's metadata")
    }
}
