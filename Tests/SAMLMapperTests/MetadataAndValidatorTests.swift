import Foundation
import Testing

@testable import SAMLMapper

@Suite struct MetadataAndValidatorTests {
    static let spEntity = "https://sp.example.org"
    static let sso = "https://idp.example.org/saml/sso"
    static let levels = ["urn:example:ac:level1", "urn:example:ac:level2"]

    /// SP metadata signed by the federation key (P-256 here), SP key = Fixtures.rsa.
    func spMetadataXML(validUntil: Date = Date() + 86400, authnRequestsSigned: Bool = true) throws -> Data {
        let spCert = try SelfSignedCertificate(key: Fixtures.rsa, commonName: "sp")
        let xml = """
            <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" \
            ID="_md1" entityID="\(Self.spEntity)" validUntil="\(SAMLTime.string(validUntil))">\
            <md:SPSSODescriptor AuthnRequestsSigned="\(authnRequestsSigned)" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\
            <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(spCert.der.base64EncodedString())</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\
            <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(spCert.der.base64EncodedString())</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\
            <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>\
            <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.org/acs" index="0" isDefault="true"/>\
            <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.example.org/acs-art" index="1"/>\
            <md:AttributeConsumingService index="0"><md:ServiceName xml:lang="en">Portal</md:ServiceName>\
            <md:RequestedAttribute Name="urn:example:attr:region" isRequired="true"/></md:AttributeConsumingService>\
            </md:SPSSODescriptor></md:EntityDescriptor>
            """
        return try EnvelopedSigner(key: Fixtures.p256).signedXML(xml)
    }

    func spMetadata() throws -> ServiceProviderMetadata {
        try ServiceProviderMetadata.load(try spMetadataXML(), federationKeys: [Fixtures.p256.publicKey])
    }

    @Test func readsSignedSPMetadata() throws {
        let md = try spMetadata()
        #expect(md.entityID == Self.spEntity)
        #expect(md.authnRequestsSigned)
        #expect(md.wantAssertionsSigned)
        #expect(md.assertionConsumerServices.count == 2)
        #expect(md.defaultAssertionConsumerService?.location == "https://sp.example.org/acs")
        #expect(md.assertionConsumerServices[1].index == 1)
        #expect(md.signingCertificates.count == 1 && md.encryptionCertificates.count == 1)
        #expect(md.requestedAttributes.first?.name == "urn:example:attr:region")
        #expect(md.requestedAttributes.first?.isRequired == true)
        #expect(try md.signingKeys().count == 1)
    }

    @Test func refusesExpiredTamperedOrUnsignedMetadata() throws {
        #expect(throws: MetadataError.self) {
            _ = try ServiceProviderMetadata.load(try spMetadataXML(validUntil: Date() - 10), federationKeys: [Fixtures.p256.publicKey])
        }
        let tampered = Data(
            String(decoding: try spMetadataXML(), as: UTF8.self).replacingOccurrences(
                of: "https://sp.example.org/acs\"", with: "https://evil.example.org/acs\""
            ).utf8)
        #expect(throws: SignatureError.digestMismatch) { _ = try ServiceProviderMetadata.load(tampered, federationKeys: [Fixtures.p256.publicKey]) }
        #expect(throws: SignatureError.self) { _ = try ServiceProviderMetadata.load(try spMetadataXML(), federationKeys: [Fixtures.rsa.publicKey]) }
        let unsigned = Data(#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>"#.utf8)
        #expect(throws: MetadataError.unsigned) { _ = try ServiceProviderMetadata.load(unsigned, federationKeys: [Fixtures.p256.publicKey]) }
    }

    @Test func idpMetadataPublishesNextKeyAndVerifies() throws {
        let current = try SelfSignedCertificate(key: Fixtures.rsa, commonName: "idp")
        let next = try SelfSignedCertificate(key: Fixtures.p256, commonName: "idp-next")
        let e = IdPMetadata.endpoints(baseURL: "https://idp.example.org/")
        let md = IdPMetadata(
            entityID: "https://idp.example.org", signingCertificate: current.der, nextSigningCertificate: next.der,
            encryptionCertificate: current.der,
            singleSignOnServices: e.sso, artifactResolutionServices: e.artifact, singleLogoutServices: e.slo, validUntil: Date() + 3600)
        let xml = try md.signedXML(EnvelopedSigner(key: Fixtures.rsa))
        let doc = try XMLDocument(parsing: xml)
        let root = try SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey]).verify(doc.root)
        let idp = try #require(root.firstChild("IDPSSODescriptor", in: XMLNamespaces.md))
        #expect(idp.children("KeyDescriptor", in: XMLNamespaces.md).filter { $0.attribute("use") == "signing" }.count == 2)
        #expect(
            idp.children("SingleSignOnService", in: XMLNamespaces.md).map { $0.attribute("Location") } == [
                "https://idp.example.org/saml/sso", "https://idp.example.org/saml/sso",
            ])
        #expect(idp.firstChild("ArtifactResolutionService", in: XMLNamespaces.md)?.attribute("Binding") == MetadataEndpoint.soapBinding)
    }

    // MARK: AuthnRequest validation

    func validator() throws -> AuthnRequestValidator {
        AuthnRequestValidator(ssoEndpoints: [Self.sso], serviceProviders: [try spMetadata()])
    }

    func request(
        destination: String? = MetadataAndValidatorTests.sso, issueInstant: Date = Date(), acsURL: String? = nil, acsIndex: Int? = nil,
        format: String? = nil, context: AuthnRequest.RequestedAuthnContext? = nil, issuer: String = MetadataAndValidatorTests.spEntity
    ) -> AuthnRequest {
        AuthnRequest(
            issueInstant: issueInstant, destination: destination, issuer: issuer, assertionConsumerServiceURL: acsURL,
            assertionConsumerServiceIndex: acsIndex,
            nameIDPolicy: format.map { AuthnRequest.NameIDPolicy(format: $0, allowCreate: true) }, requestedAuthnContext: context)
    }

    func redirect(_ r: AuthnRequest, signed: Bool = true) throws -> RedirectBinding.Message {
        try RedirectBinding.decode(
            query: try RedirectBinding.encode(Data(r.builder.xmlString().utf8), relayState: "rs", key: signed ? Fixtures.rsa : nil))
    }

    func refusal(_ r: AuthnRequest, signed: Bool = true) -> AuthnRequestError? {
        do {
            _ = try validator().validate(redirect: try redirect(r, signed: signed))
            return nil
        } catch {
            return error as? AuthnRequestError
        }
    }

    @Test func acceptsGoodRequestAndResolvesACSFromMetadata() throws {
        let accepted = try validator().validate(redirect: try redirect(request()))
        #expect(accepted.assertionConsumerService.location == "https://sp.example.org/acs")
        #expect(accepted.nameIDFormat == NameID.persistent)
        #expect(accepted.request.requestedAuthnContext == nil)
        #expect(accepted.wasSigned)
        let byIndex = try validator().validate(redirect: try redirect(request(acsIndex: 1)))
        #expect(byIndex.assertionConsumerService.location == "https://sp.example.org/acs-art")
        let byURL = try validator().validate(redirect: try redirect(request(acsURL: "https://sp.example.org/acs")))
        #expect(byURL.assertionConsumerService.index == 0)
    }

    @Test func postBindingSignedRequest() throws {
        let signed = try EnvelopedSigner(key: Fixtures.rsa).signedXML(request().builder.xmlString())
        #expect(try validator().validate(post: signed).wasSigned)
        #expect(throws: AuthnRequestError.signatureRequired(issuer: Self.spEntity)) {
            _ = try validator().validate(post: Data(request().builder.xmlString().utf8))
        }
    }

    @Test func refusals() throws {
        #expect(refusal(request(destination: "https://evil.example.org/sso")) == .destinationMismatch("https://evil.example.org/sso"))
        #expect(refusal(request(destination: nil)) == .destinationMismatch(nil))
        #expect(refusal(request(issueInstant: Date() - 600)) == .issueInstantOutOfRange(skewSeconds: 180))
        #expect(refusal(request(issueInstant: Date() + 600)) == .issueInstantOutOfRange(skewSeconds: 180))
        #expect(refusal(request(acsURL: "https://evil.example.org/acs")) == .acsURLNotInMetadata("https://evil.example.org/acs"))
        #expect(refusal(request(acsIndex: 7)) == .acsIndexNotInMetadata(7))
        #expect(refusal(request(acsURL: "https://sp.example.org/acs", acsIndex: 0)) == .acsURLAndIndexBoth)
        #expect(refusal(request(format: NameID.transient)) == .nameIDFormatNotSupported(NameID.transient))
        #expect(refusal(request(issuer: "https://unknown.example.org")) == .unknownIssuer("https://unknown.example.org"))
        #expect(refusal(request(), signed: false) == .signatureRequired(issuer: Self.spEntity))
    }

    @Test func requestedAuthnContextIsPassedOnForTheFlowToJudge() throws {
        // The validator does not choose a class: what can be asserted depends on the sign-in.
        let unknown = AuthnRequest.RequestedAuthnContext(comparison: .exact, classRefs: ["urn:example:ac:level9"])
        let accepted = try validator().validate(redirect: try redirect(request(context: unknown)))
        #expect(accepted.request.requestedAuthnContext == unknown)
    }

    @Test func versionIsChecked() throws {
        let xml = request().builder.xmlString().replacingOccurrences(of: "Version=\"2.0\"", with: "Version=\"1.1\"")
        let message = try RedirectBinding.decode(query: try RedirectBinding.encode(Data(xml.utf8), key: Fixtures.rsa))
        #expect(throws: AuthnRequestError.unsupportedVersion("1.1")) { _ = try validator().validate(redirect: message) }
    }
}
