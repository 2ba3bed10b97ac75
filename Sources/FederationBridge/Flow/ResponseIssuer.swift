import Foundation
import SAMLMapper

extension FederationFlow {
    /// How long a bearer assertion may be presented.
    static let assertionLifetime: TimeInterval = 300

    /// The signed (and, when the relying party has a key, encrypted) Response.
    /// Called only after the verdict is in the transfer log.
    func issueResponse(
        route: FlowRoute, release: PreparedRelease, assertionID: String, encrypter: AssertionEncrypter?, now: Date
    ) throws -> Data {
        let until = now.addingTimeInterval(Self.assertionLifetime)
        let assertion = Assertion(
            id: assertionID, issueInstant: now, issuer: configuration.entityID,
            nameID: NameID(
                value: release.pairwiseNameID, format: NameID.persistent, nameQualifier: configuration.entityID,
                spNameQualifier: route.relyingParty),
            subjectConfirmations: [
                SubjectConfirmation(recipient: route.acsURL, notOnOrAfter: until, inResponseTo: route.requestID),
            ],
            conditions: Conditions(notBefore: now.addingTimeInterval(-30), notOnOrAfter: until, audiences: [route.relyingParty]),
            authnStatement: AuthnStatement(
                authnInstant: release.authnInstant, sessionIndex: SAMLIdentifier.make(), contextClassRef: release.authnContextClassRef),
            attributes: release.attributes.map(\.attribute))
        let response = SAMLMapper.Response(
            inResponseTo: route.requestID, destination: route.acsURL, issueInstant: now, issuer: configuration.entityID,
            assertions: [assertion])
        return try response.signedXML(
            keys.signer, protection: SAMLMapper.Response.Protection(signAssertions: true, signResponse: true, encrypter: encrypter))
    }

    /// A signed Response carrying only a status (refusal, decline, error).
    func statusResponse(_ status: SAMLStatus, route: FlowRoute) throws -> Data {
        let response = SAMLMapper.Response(
            inResponseTo: route.requestID, destination: route.acsURL, issueInstant: clock.now(), issuer: configuration.entityID,
            status: status, assertions: [])
        return try response.signedXML(keys.signer, protection: SAMLMapper.Response.Protection(signAssertions: false, signResponse: true))
    }
}
