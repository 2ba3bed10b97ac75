import Foundation
import Testing

@testable import SAMLMapper

/// The eight XML Signature Wrapping shapes (Somorovsky et al., 2012). In each,
/// the attacker wants the service to consume an evil element; the verifier
/// must refuse that element, each time for a stated reason.
@Suite struct SignatureWrappingTests {
    let verifier = SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey])
    let samlp = #"xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol""#
    let saml = #"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#
    let ds = #"xmlns:ds="http://www.w3.org/2000/09/xmldsig#""#

    /// A Response signed as a whole, with one assertion inside.
    func signedResponse() throws -> String {
        let response = Response(
            id: "_resp", inResponseTo: "_r1", destination: "https://sp.example.org/acs", issuer: "https://idp.example.org",
            assertions: [sampleAssertion()])
        let protection = Response.Protection(signAssertions: false, signResponse: true)
        return String(decoding: try response.signedXML(EnvelopedSigner(key: Fixtures.rsa), protection: protection), as: UTF8.self)
            .withoutDeclaration()
    }

    /// A signed Assertion (standalone) for the assertion-level shapes.
    func signedAssertion() throws -> String {
        String(decoding: try sampleAssertion().signedXML(EnvelopedSigner(key: Fixtures.rsa)), as: UTF8.self).withoutDeclaration()
    }

    func evilAssertion(id: String) -> String {
        sampleAssertion(id: id, nameID: "victim-admin").builder.xmlString()
    }

    func refuse(_ xml: String, pick: (XMLDocument) throws -> XMLElement) -> (any Error)? {
        do {
            let doc = try XMLDocument(parsing: xml)
            _ = try verifier.verify(try pick(doc))
            return nil
        } catch {
            return error
        }
    }

    func firstAssertion(_ doc: XMLDocument) throws -> XMLElement {
        try #require(doc.root.descendants.first { $0.isNamed("Assertion", in: XMLNamespaces.saml) })
    }

    @Test func legitimateShapesVerify() throws {
        #expect(refuse(try signedResponse()) { $0.root } == nil)
        #expect(refuse(try signedAssertion()) { $0.root } == nil)
    }

    @Test func xsw1_originalInsideSignatureObject() throws {
        let original = try signedResponse()
        let signature = try #require(original.slice(from: "<ds:Signature", through: "</ds:Signature>"))
        let unsignedOriginal = original.replacingOccurrences(of: signature, with: "")
        let wrapped = signature.replacingOccurrences(
            of: "</ds:Signature>",
            with: "<ds:Object>\(unsignedOriginal.replacingOccurrences(of: "ID=\"_resp\"", with: "ID=\"_resp\""))</ds:Object></ds:Signature>")
        let evil =
            "<samlp:Response \(samlp) ID=\"_evil\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\">\(wrapped)\(evilAssertion(id: "_evilA"))</samlp:Response>"
        #expect(refuse(evil) { $0.root } as? SignatureError == .objectNotAllowed)
    }

    @Test func xsw2_originalAsDetachedSibling() throws {
        let original = try signedResponse()
        let signature = try #require(original.slice(from: "<ds:Signature", through: "</ds:Signature>"))
        let unsignedOriginal = original.replacingOccurrences(of: signature, with: "")
        let evil =
            "<samlp:Response \(samlp) ID=\"_evil\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\">\(unsignedOriginal)\(signature)\(evilAssertion(id: "_evilA"))</samlp:Response>"
        #expect(refuse(evil) { $0.root } as? SignatureError == .referenceToOtherElement(reference: "_resp", signedElementID: "_evil"))
    }

    @Test func xsw3_evilAssertionBeforeSignedOne() throws {
        let signed = try signedAssertion()
        let sameID =
            "<samlp:Response \(samlp) ID=\"_r\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\">\(evilAssertion(id: "_a1"))\(signed)</samlp:Response>"
        #expect(refuse(sameID) { $0.root } as? XMLSecurityError == .duplicateID("_a1"))
        let otherID =
            "<samlp:Response \(samlp) ID=\"_r\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\">\(evilAssertion(id: "_evilA"))\(signed)</samlp:Response>"
        #expect(refuse(otherID, pick: firstAssertion) as? SignatureError == .signatureMissing(element: "saml:Assertion"))
    }

    @Test func xsw4_signedAssertionInsideEvilOne() throws {
        let signed = try signedAssertion()
        let evil = evilAssertion(id: "_evilA").replacingOccurrences(of: "</saml:Assertion>", with: "\(signed)</saml:Assertion>")
        let doc = "<samlp:Response \(samlp) ID=\"_r\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\">\(evil)</samlp:Response>"
        #expect(refuse(doc, pick: firstAssertion) as? SignatureError == .signatureMissing(element: "saml:Assertion"))
    }

    @Test func xsw5_signatureCopiedIntoEvilAssertion() throws {
        let signed = try signedAssertion()
        let signature = try #require(signed.slice(from: "<ds:Signature", through: "</ds:Signature>"))
        let evil = evilAssertion(id: "_evilA").replacingOccurrences(of: "</saml:Issuer>", with: "</saml:Issuer>\(signature)")
        let doc =
            "<samlp:Response \(samlp) ID=\"_r\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\">\(evil)\(signed.replacingOccurrences(of: signature, with: ""))</samlp:Response>"
        #expect(refuse(doc, pick: firstAssertion) as? SignatureError == .referenceToOtherElement(reference: "_a1", signedElementID: "_evilA"))
    }

    @Test func xsw6_originalInsideObjectOfCopiedSignature() throws {
        let signed = try signedAssertion()
        let signature = try #require(signed.slice(from: "<ds:Signature", through: "</ds:Signature>"))
        let inner = signature.replacingOccurrences(
            of: "</ds:Signature>", with: "<ds:Object>\(signed.replacingOccurrences(of: signature, with: ""))</ds:Object></ds:Signature>")
        let evil = evilAssertion(id: "_evilA").replacingOccurrences(of: "</saml:Issuer>", with: "</saml:Issuer>\(inner)")
        let doc = "<samlp:Response \(samlp) ID=\"_r\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\">\(evil)</samlp:Response>"
        #expect(refuse(doc, pick: firstAssertion) as? SignatureError == .objectNotAllowed)
    }

    @Test func xsw7_signedAssertionHiddenInExtensions() throws {
        let signed = try signedAssertion()
        let doc =
            "<samlp:Response \(samlp) ID=\"_r\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\"><samlp:Extensions>\(signed)</samlp:Extensions>\(evilAssertion(id: "_evilA"))</samlp:Response>"
        let pickUnwrapped: (XMLDocument) throws -> XMLElement = { d in try #require(d.root.firstChild("Assertion", in: XMLNamespaces.saml)) }
        #expect(refuse(doc, pick: pickUnwrapped) as? SignatureError == .signatureMissing(element: "saml:Assertion"))
        // The service reads only what verify returns: the hidden original, never the evil one.
        let parsed = try XMLDocument(parsing: doc)
        let hidden = try #require(parsed.element(withID: "_a1"))
        let verified = try verifier.verify(hidden)
        #expect(try Assertion(element: verified).nameID.value == "pseudonym-1")
    }

    @Test func xsw8_signatureWithObjectHoldingOriginalNoSignature() throws {
        let signed = try signedAssertion()
        let signature = try #require(signed.slice(from: "<ds:Signature", through: "</ds:Signature>"))
        let original = signed.replacingOccurrences(of: signature, with: "")
        let inner = signature.replacingOccurrences(of: "</ds:Signature>", with: "<ds:Object>\(original)</ds:Object></ds:Signature>")
        let evil = evilAssertion(id: "_a1x").replacingOccurrences(of: "</saml:Issuer>", with: "</saml:Issuer>\(inner)")
        #expect(refuse(evil) { $0.root } as? SignatureError == .objectNotAllowed)
    }

    @Test func responseReadVerifiedIgnoresUnsignedExtras() throws {
        // Signed assertion plus an unsigned evil one beside it: reading refuses the whole response.
        let signed = try signedAssertion()
        let doc =
            "<samlp:Response \(samlp) ID=\"_r\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\"><samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>\(signed)\(evilAssertion(id: "_evilA"))</samlp:Response>"
        #expect(throws: SignatureError.notSigned(element: "saml:Assertion")) {
            _ = try Response.readVerified(try XMLDocument(parsing: doc), verifier: verifier)
        }
    }
}
