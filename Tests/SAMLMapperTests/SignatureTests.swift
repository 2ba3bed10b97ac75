@preconcurrency import Crypto
import Foundation
import Testing
@preconcurrency import _CryptoExtras

@testable import SAMLMapper

@Suite struct SignatureTests {
    let verifier = SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey])

    func signedAssertion(
        _ key: SigningKey = Fixtures.rsa, algorithm: SignatureAlgorithm? = nil, digest: DigestAlgorithm = .sha256, id: String = "_a1"
    ) throws -> String {
        let signer = EnvelopedSigner(key: key, algorithm: algorithm, digest: digest)
        return String(decoding: try sampleAssertion(id: id).signedXML(signer), as: UTF8.self)
    }

    func refusal(_ xml: String, verifier: SignatureVerifier? = nil, element: (XMLDocument) throws -> XMLElement = { $0.root }) -> (any Error)? {
        do {
            let doc = try XMLDocument(parsing: xml)
            _ = try (verifier ?? self.verifier).verify(try element(doc))
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [SignatureAlgorithm.rsaSHA256, .rsaSHA384, .rsaSHA512, .rsaPSSSHA256])
    func rsaRoundTrip(_ algorithm: SignatureAlgorithm) throws {
        let xml = try signedAssertion(algorithm: algorithm)
        let doc = try XMLDocument(parsing: xml)
        let verified = try verifier.verify(doc.root)
        #expect(verified.isSameNode(doc.root))
        let assertion = try Assertion(element: verified)
        #expect(assertion.attributes.first?.values == ["Guangdong & HK <test>"])
    }

    @Test(arguments: [DigestAlgorithm.sha384, .sha512])
    func otherDigests(_ digest: DigestAlgorithm) throws {
        let xml = try signedAssertion(digest: digest)
        #expect(refusal(xml) == nil)
        #expect(xml.contains(digest.uri))
    }

    @Test func ecdsaRoundTripUsesRawSignature() throws {
        let xml = try signedAssertion(Fixtures.p256)
        let verifier = SignatureVerifier(trustedKeys: [Fixtures.p256.publicKey])
        #expect(refusal(xml, verifier: verifier) == nil)
        let value = try #require(xml.slice(from: "<ds:SignatureValue>", through: "</ds:SignatureValue>"))
        let b64 = value.replacingOccurrences(of: "<ds:SignatureValue>", with: "").replacingOccurrences(of: "</ds:SignatureValue>", with: "")
        #expect(Data(base64Encoded: b64)?.count == 64)
    }

    @Test func sm2RoundTrip() throws {
        let key = SigningKey.sm2(try SM2Key.generate())
        let xml = try signedAssertion(key)
        #expect(xml.contains(SignatureAlgorithm.sm2SM3.uri))
        #expect(refusal(xml, verifier: SignatureVerifier(trustedKeys: [key.publicKey])) == nil)
        let other = SigningKey.sm2(try SM2Key.generate())
        #expect(refusal(xml, verifier: SignatureVerifier(trustedKeys: [other.publicKey])) as? SignatureError == .signatureInvalid)
    }

    @Test func pemLoadingTellsSM2FromP256() throws {
        let sm2 = try SM2Key.generate()
        guard case .sm2 = try SigningKey(pem: try sm2.privateKeyPEM()) else {
            Issue.record("an SM2 private key must load as SM2")
            return
        }
        let cert = try SelfSignedCertificate(key: .sm2(sm2), commonName: "sm2")
        guard case .sm2 = try SigningPublicKey(pem: cert.pem), case .sm2 = try SigningPublicKey(certificateDER: Array(cert.der)) else {
            Issue.record("an SM2 certificate must load as SM2")
            return
        }
        guard case .p256 = try SigningKey(pem: try Fixtures.p256.pkcs8PEM()), case .rsa = try SigningKey(pem: try Fixtures.rsa.pkcs8PEM()) else {
            Issue.record("P-256 and RSA keys must keep their types")
            return
        }
    }

    @Test func tamperedContentFailsDigest() throws {
        let xml = try signedAssertion().replacingOccurrences(of: "pseudonym-1", with: "pseudonym-2")
        #expect(refusal(xml) as? SignatureError == .digestMismatch)
    }

    @Test func tamperedSignatureValueFails() throws {
        var xml = try signedAssertion()
        let range = try #require(xml.range(of: "<ds:SignatureValue>"))
        let i = xml.index(range.upperBound, offsetBy: 5)
        xml.replaceSubrange(i...i, with: xml[i] == "A" ? "B" : "A")
        #expect(refusal(xml) as? SignatureError == .signatureInvalid)
    }

    @Test func signatureRemoved() throws {
        let xml = try signedAssertion()
        let signature = try #require(xml.slice(from: "<ds:Signature", through: "</ds:Signature>"))
        #expect(refusal(xml.replacingOccurrences(of: signature, with: "")) as? SignatureError == .signatureMissing(element: "saml:Assertion"))
    }

    @Test func referenceToAnotherID() throws {
        // A signed Assertion whose Signature is moved onto the Response: it references the Assertion's ID.
        let xml = try signedAssertion().withoutDeclaration()
        let signature = try #require(xml.slice(from: "<ds:Signature", through: "</ds:Signature>"))
        let response =
            #"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_resp" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">"#
            + signature
            + xml.replacingOccurrences(of: signature, with: "") + "</samlp:Response>"
        #expect(refusal(response) as? SignatureError == .referenceToOtherElement(reference: "_a1", signedElementID: "_resp"))
    }

    @Test func twoReferences() throws {
        let xml = try signedAssertion()
        let reference = try #require(xml.slice(from: "<ds:Reference", through: "</ds:Reference>"))
        #expect(refusal(xml.replacingOccurrences(of: reference, with: reference + reference)) as? SignatureError == .referenceCount(2))
    }

    @Test func sha1SignatureRefusedByDefault() throws {
        let xml = try signedAssertion(algorithm: .rsaSHA1, digest: .sha1)
        #expect(refusal(xml) as? SignatureError == .algorithmNotAllowed(SignatureAlgorithm.rsaSHA1.uri))
        #expect(refusal(xml, verifier: SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey], policy: .allowingSHA1)) == nil)
    }

    @Test func sha1DigestRefusedByDefault() throws {
        let xml = try signedAssertion(digest: .sha1)
        #expect(refusal(xml) as? SignatureError == .algorithmNotAllowed(DigestAlgorithm.sha1.uri))
    }

    @Test func hmacRefused() throws {
        let hmac = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
        let xml = try signedAssertion().replacingOccurrences(of: SignatureAlgorithm.rsaSHA256.uri, with: hmac)
        #expect(refusal(xml) as? SignatureError == .algorithmNotAllowed(hmac))
    }

    @Test func keyInfoKeyIsNeverTrusted() throws {
        // Signed by an attacker key whose certificate travels in KeyInfo.
        let attacker = SigningKey.rsa(Fixtures.otherRSAKey)
        let cert = try SelfSignedCertificate(key: attacker, commonName: "attacker")
        let signer = EnvelopedSigner(key: attacker, certificateDER: Array(cert.der))
        let xml = String(decoding: try sampleAssertion().signedXML(signer), as: UTF8.self)
        #expect(xml.contains("<ds:X509Certificate>"))
        #expect(refusal(xml) as? SignatureError == .signatureInvalid)
        #expect(
            refusal(xml, verifier: SignatureVerifier(trustedKeys: [])) as? SignatureError
                == .noTrustedKey(algorithm: SignatureAlgorithm.rsaSHA256.uri))
    }

    @Test func wrongKeyTypeHasNoCandidate() throws {
        let xml = try signedAssertion()
        #expect(
            refusal(xml, verifier: SignatureVerifier(trustedKeys: [Fixtures.p256.publicKey])) as? SignatureError
                == .noTrustedKey(algorithm: SignatureAlgorithm.rsaSHA256.uri))
    }

    @Test func signedInfoCommentsAndWhitespaceDoNotMatter() throws {
        // A comment inserted into signed content is removed by exc-c14n, so the digest still matches;
        // the value read afterwards is the full text.
        let xml = try signedAssertion().replacingOccurrences(of: ">pseudonym-1<", with: ">pseudo<!-- x -->nym-1<")
        let doc = try XMLDocument(parsing: xml)
        let verified = try verifier.verify(doc.root)
        #expect(try Assertion(element: verified).nameID.value == "pseudonym-1")
    }

    @Test func redirectSignatureRoundTripAndReorder() throws {
        let xml = Data(AuthnRequest(destination: "https://idp.example.org/sso", issuer: "https://sp.example.org").builder.xmlString().utf8)
        let query = try RedirectBinding.encode(xml, relayState: "state 1/2", key: Fixtures.rsa)
        let message = try RedirectBinding.decode(query: query)
        #expect(message.xml == xml)
        #expect(message.relayState == "state 1/2")
        try RedirectBinding.verifySignature(message, trustedKeys: [Fixtures.rsa.publicKey])

        // The same parameters in a different order in the URL are fine (spec order is rebuilt)...
        let parts = query.split(separator: "&").map(String.init)
        let shuffled = [parts[3], parts[2], parts[0], parts[1]].joined(separator: "&")
        try RedirectBinding.verifySignature(try RedirectBinding.decode(query: shuffled), trustedKeys: [Fixtures.rsa.publicKey])

        // ...but a signature computed over a re-ordered string is refused.
        let reordered = [parts[2], parts[0], parts[1]].joined(separator: "&")
        let badSignature = try Fixtures.rsa.sign(Data(reordered.utf8), algorithm: .rsaSHA256)
        let forged = reordered + "&Signature=" + RedirectBinding.percentEncode(badSignature.base64EncodedString())
        #expect(throws: BindingError.signatureInvalid) {
            try RedirectBinding.verifySignature(try RedirectBinding.decode(query: forged), trustedKeys: [Fixtures.rsa.publicKey])
        }
        // A changed RelayState breaks it too.
        let changed = query.replacingOccurrences(of: "RelayState=state", with: "RelayState=evil")
        #expect(throws: BindingError.signatureInvalid) {
            try RedirectBinding.verifySignature(try RedirectBinding.decode(query: changed), trustedKeys: [Fixtures.rsa.publicKey])
        }
    }

    @Test func redirectRefusesSHA1AndDuplicates() throws {
        let xml = Data("<x/>".utf8)
        let query = try RedirectBinding.encode(xml, key: Fixtures.rsa, algorithm: .rsaSHA1)
        #expect(throws: BindingError.algorithmNotAllowed(SignatureAlgorithm.rsaSHA1.uri)) {
            try RedirectBinding.verifySignature(try RedirectBinding.decode(query: query), trustedKeys: [Fixtures.rsa.publicKey])
        }
        #expect(throws: BindingError.duplicateParameter("SAMLRequest")) { try RedirectBinding.decode(query: query + "&SAMLRequest=abc") }
    }
}
