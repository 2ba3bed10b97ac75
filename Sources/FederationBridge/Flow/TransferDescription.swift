import Foundation
import Hummingbird
import PIAChecks
import SAMLMapper
import X509

/// The transfer a flow is about to make, as the privacy checks and the
/// consent record describe it: names, transforms and digests, never values.
struct TransferDescription: Sendable {
    let policies: PolicyStore
    /// The policy in force for this request (reloaded on SIGHUP).
    var policy: Policy { policies.current }
    let registry: PartnerMetadataRegistry

    /// The transfer as the checks see it, without a consent (the answer adds it).
    func transferRequest(_ state: FlowState, release: PreparedRelease, encrypted: Bool, now: Date) -> TransferRequest {
        let provider = registry.serviceProvider(entityID: state.route.relyingParty, now: now)
        return TransferRequest(
            recipientEntityID: state.route.relyingParty, purposeID: state.route.purposeID,
            released: release.attributes.map { PIAChecks.ReleasedAttribute(name: $0.name.rawValue, transforms: $0.transforms.map(\.rawValue)) },
            requestedAttributes: RequestedAttributes(provider?.requestedAttributes ?? []).names, consent: nil,
            assurance: release.assurance, subjectAgeYears: release.subjectAgeYears,
            encryptedToRecipient: encrypted, now: now)
    }

    /// The consent record an agreement to the content with `contentDigest`
    /// (`ConsentContent.digest`) makes.
    func consentRecord(_ state: FlowState, release: PreparedRelease, contentDigest: String?, now: Date) -> ConsentRecord {
        ConsentRecord(
            recipientEntityID: state.route.relyingParty, purposeID: state.route.purposeID,
            attributes: Set(release.attributes.map(\.name.rawValue)), givenAt: now,
            textVersion: policy.consentTextVersions.last?.id ?? "", contentDigest: contentDigest ?? "")
    }
}
