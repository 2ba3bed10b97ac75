@preconcurrency import Crypto
import Foundation
import Testing
@preconcurrency import _CryptoExtras

@testable import SAMLMapper

/// A partner rolling its signing key publishes both keys in its metadata for
/// a while: requests signed with either must be accepted, with no other key,
/// and a published key we cannot read must not lock out the one we can.
@Suite struct PartnerKeyRolloverTests {
    static let spEntity = "https://sp.example.org"
    static let sso = "https://idp.example.org/saml/sso"

    /// SP metadata (signed by the federation key, P-256) listing `signingCertificates` in order.
    func metadata(signingCertificates: [Data]) throws -> ServiceProviderMetadata {
        let keyDescriptors = signingCertificates.map {
            "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\($0.base64EncodedString())"
                + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        }.joined()
        let xml = """
            <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" \
            ID="_md1" entityID="\(Self.spEntity)" validUntil="\(SAMLTime.string(Date() + 86400))">\
            <md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\
            \(keyDescriptors)\
            <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>\
            <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.org/acs" index="0" isDefault="true"/>\
            </md:SPSSODescriptor></md:EntityDescriptor>
            """
        return try ServiceProviderMetadata.load(try EnvelopedSigner(key: Fixtures.p256).signedXML(xml), federationKeys: [Fixtures.p256.publicKey])
    }

    func validator(_ sp: ServiceProviderMetadata) -> AuthnRequestValidator {
        AuthnRequestValidator(ssoEndpoints: [Self.sso], serviceProviders: [sp])
    }

    func request() -> AuthnRequest {
        AuthnRequest(
            issueInstant: Date(), destination: Self.sso, issuer: Self.spEntity, assertionConsumerServiceURL: nil,
            assertionConsumerServiceIndex: nil, nameIDPolicy: nil, requestedAuthnContext: nil)
    }

    func accepts(_ validator: AuthnRequestValidator, signedBy key: SigningKey) -> (redirect: Bool, post: Bool) {
        let redirect =
            (try? RedirectBinding.decode(query: try RedirectBinding.encode(Data(request().builder.xmlString().utf8), key: key)))
            .flatMap { try? validator.validate(redirect: $0) } != nil
        let post =
            (try? EnvelopedSigner(key: key).signedXML(request().builder.xmlString()))
            .flatMap { try? validator.validate(post: $0) } != nil
        return (redirect, post)
    }

    @Test func requestsSignedWithEitherPublishedKeyAreAccepted() throws {
        let current = SigningKey.rsa(Fixtures.rsaKey)
        let next = SigningKey.p256(P256.Signing.PrivateKey())
        let sp = try metadata(signingCertificates: [
            try SelfSignedCertificate(key: current, commonName: "sp").der, try SelfSignedCertificate(key: next, commonName: "sp-next").der,
        ])
        #expect(try sp.signingKeys().count == 2)
        let validator = validator(sp)
        #expect(accepts(validator, signedBy: current) == (true, true))
        #expect(accepts(validator, signedBy: next) == (true, true))
        // A key the partner never published is refused on both bindings.
        #expect(accepts(validator, signedBy: .rsa(Fixtures.otherRSAKey)) == (false, false))
    }

    @Test func anUnreadableSecondCertificateDoesNotLockOutTheFirst() throws {
        let current = SigningKey.rsa(Fixtures.rsaKey)
        // An Ed25519 certificate: valid X.509, but no key type the bridge verifies SAML with.
        let ed25519 = try SelfSignedEd25519.certificateDER()
        let sp = try metadata(signingCertificates: [try SelfSignedCertificate(key: current, commonName: "sp").der, ed25519])
        #expect(try sp.signingKeys().count == 1)
        #expect(accepts(validator(sp), signedBy: current) == (true, true))

        // Only unreadable keys: refused with a key error, not accepted unsigned.
        let unusable = try metadata(signingCertificates: [ed25519])
        #expect(throws: SigningKeyError.self) { try unusable.signingKeys() }
        #expect(accepts(validator(unusable), signedBy: current) == (false, false))
    }
}

/// An Ed25519 self-signed certificate made with the openssl command.
enum SelfSignedEd25519 {
    static func certificateDER() throws -> Data {
        let dir = try Fixtures.scratch()
        let key = dir.appendingPathComponent("ed.pem").path
        let cert = dir.appendingPathComponent("ed-cert.der").path
        #expect(try runTool("openssl", ["genpkey", "-algorithm", "ed25519", "-out", key]).status == 0)
        #expect(
            try runTool("openssl", ["req", "-x509", "-new", "-key", key, "-subj", "/CN=ed", "-days", "2", "-outform", "DER", "-out", cert]).status
                == 0)
        return try Data(contentsOf: URL(fileURLWithPath: cert))
    }
}
