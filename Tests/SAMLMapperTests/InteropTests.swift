@preconcurrency import Crypto
import Foundation
import Testing
@preconcurrency import _CryptoExtras

@testable import SAMLMapper

/// Cross-checks with independent implementations: xmlsec1 and the openssl CLI.
@Suite struct InteropTests {
    static let responseID = "--id-attr:ID"

    func xmlsecVerify(_ xml: Data, cert: URL, in dir: URL) throws -> CommandResult {
        let file = dir.appendingPathComponent("signed-\(UUID().uuidString).xml")
        try xml.write(to: file)
        return try runTool(
            "xmlsec1",
            [
                "--verify", "--pubkey-cert-pem", cert.path,
                "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response",
                "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
                file.path,
            ])
    }

    @Test(arguments: ["rsa", "p256"])
    func xmlsecVerifiesOurResponseAssertionAndMetadata(_ kind: String) throws {
        let dir = try Fixtures.scratch()
        let key = kind == "rsa" ? Fixtures.rsa : Fixtures.p256
        let files = try writeKeyFiles(key, in: dir, name: kind)
        let signer = EnvelopedSigner(key: key, certificateDER: Array(files.der))

        let response = Response(
            inResponseTo: "_r1", destination: "https://sp.example.org/acs", issuer: "https://idp.example.org", assertions: [sampleAssertion()])
        let responseXML = try response.signedXML(signer, protection: .init(signAssertions: true, signResponse: true))
        let r = try xmlsecVerify(responseXML, cert: files.cert, in: dir)
        #expect(r.status == 0, "xmlsec1 refused our Response: \(r.stderr)")

        let assertionXML = try sampleAssertion().signedXML(signer)
        let a = try xmlsecVerify(assertionXML, cert: files.cert, in: dir)
        #expect(a.status == 0, "xmlsec1 refused our Assertion: \(a.stderr)")

        let endpoints = IdPMetadata.endpoints(baseURL: "https://idp.example.org")
        let metadata = IdPMetadata(
            entityID: "https://idp.example.org", signingCertificate: files.der, singleSignOnServices: endpoints.sso,
            artifactResolutionServices: endpoints.artifact, singleLogoutServices: endpoints.slo, validUntil: Date() + 86400)
        let m = try xmlsecVerify(try metadata.signedXML(signer), cert: files.cert, in: dir)
        #expect(m.status == 0, "xmlsec1 refused our metadata: \(m.stderr)")

        // Sanity: xmlsec1 does notice tampering, so the checks above mean something.
        let tampered = Data(String(decoding: assertionXML, as: UTF8.self).replacingOccurrences(of: "pseudonym-1", with: "pseudonym-9").utf8)
        #expect(try xmlsecVerify(tampered, cert: files.cert, in: dir).status != 0)
    }

    @Test(arguments: [("rsa", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"), ("p256", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256")])
    func weVerifyXmlsecSignedTemplates(_ kind: String, _ method: String) throws {
        let dir = try Fixtures.scratch()
        let key = kind == "rsa" ? Fixtures.rsa : Fixtures.p256
        let files = try writeKeyFiles(key, in: dir, name: kind)
        let template = """
            <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_tmpl1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">\
            <saml:Issuer>https://other-idp.example.org</saml:Issuer>\
            <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>\
            <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
            <ds:SignatureMethod Algorithm="\(method)"/>\
            <ds:Reference URI="#_tmpl1"><ds:Transforms>\
            <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
            <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
            </ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>\
            </ds:SignedInfo><ds:SignatureValue/></ds:Signature>\
            <saml:Subject><saml:NameID>pseudonym-x</saml:NameID></saml:Subject></saml:Assertion>
            """
        let tmpl = dir.appendingPathComponent("tmpl.xml")
        let out = dir.appendingPathComponent("out.xml")
        try Data(template.utf8).write(to: tmpl)
        let r = try runTool(
            "xmlsec1",
            [
                "--sign", "--privkey-pem", files.key.path, "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", "--output", out.path,
                tmpl.path,
            ])
        #expect(r.status == 0, "xmlsec1 --sign failed: \(r.stderr)")
        let doc = try XMLDocument(parsing: try Data(contentsOf: out))
        let verified = try SignatureVerifier(trustedKeys: [key.publicKey]).verify(doc.root)
        #expect(verified.id == "_tmpl1")
        #expect(try Assertion(element: verified).nameID.value == "pseudonym-x")
    }

    @Test func sm2SignaturesCheckedByOpenSSLBothWays() throws {
        let dir = try Fixtures.scratch()
        let sm2 = try SM2Key.generate()
        let key = SigningKey.sm2(sm2)
        let signed = try sampleAssertion().signedXML(EnvelopedSigner(key: key))
        let doc = try XMLDocument(parsing: signed)
        let signature = try #require(doc.root.firstChild("Signature", in: XMLNamespaces.ds))
        let signedInfo = try #require(signature.firstChild("SignedInfo", in: XMLNamespaces.ds))
        let canonical = try signedInfo.canonicalized(.exclusive())
        let valueElement = try #require(signature.firstChild("SignatureValue", in: XMLNamespaces.ds))
        let value = try #require(SignatureVerifier.base64(try valueElement.text()))
        let data = dir.appendingPathComponent("signedinfo.bin")
        let sig = dir.appendingPathComponent("sig.der")
        let pub = dir.appendingPathComponent("pub.pem")
        let priv = dir.appendingPathComponent("priv.pem")
        try canonical.write(to: data)
        try value.write(to: sig)
        try Data(try sm2.publicKeyPEM().utf8).write(to: pub)
        try Data(try sm2.privateKeyPEM().utf8).write(to: priv)

        // Ours → openssl.
        let check = try runTool(
            "openssl", ["dgst", "-sm3", "-verify", pub.path, "-sigopt", "distid:1234567812345678", "-signature", sig.path, data.path])
        #expect(check.status == 0 && check.stdout.contains("Verified OK"), "openssl refused our SM2 signature: \(check.stdout) \(check.stderr)")

        // openssl → ours: replace the SignatureValue with openssl's own signature over the same bytes.
        let sig2 = dir.appendingPathComponent("sig2.der")
        let make = try runTool("openssl", ["dgst", "-sm3", "-sign", priv.path, "-sigopt", "distid:1234567812345678", "-out", sig2.path, data.path])
        #expect(make.status == 0, "openssl could not sign: \(make.stderr)")
        let theirs = try Data(contentsOf: sig2)
        #expect(theirs != value)
        let xml = String(decoding: signed, as: UTF8.self)
        let oldValue = try #require(xml.slice(from: "<ds:SignatureValue>", through: "</ds:SignatureValue>"))
        let replaced = xml.replacingOccurrences(of: oldValue, with: "<ds:SignatureValue>\(theirs.base64EncodedString())</ds:SignatureValue>")
        let verified = try SignatureVerifier(trustedKeys: [key.publicKey]).verify(try XMLDocument(parsing: replaced).root)
        #expect(verified.id == "_a1")
    }

    @Test func xmlsecDecryptsOurEncryptedAssertion() throws {
        let dir = try Fixtures.scratch()
        let spKey = SigningKey.rsa(Fixtures.otherRSAKey)
        let files = try writeKeyFiles(spKey, in: dir, name: "sp")
        let encrypter = try AssertionEncrypter(recipientCertificatePEM: try String(contentsOf: files.cert, encoding: .utf8))
        let response = Response(
            inResponseTo: "_r1", destination: "https://sp.example.org/acs", issuer: "https://idp.example.org", assertions: [sampleAssertion()])
        let xml = try response.signedXML(
            EnvelopedSigner(key: Fixtures.rsa), protection: .init(signAssertions: true, signResponse: true, encrypter: encrypter))
        #expect(!String(decoding: xml, as: UTF8.self).contains("pseudonym-1"))
        let input = dir.appendingPathComponent("enc.xml")
        let out = dir.appendingPathComponent("dec.xml")
        try xml.write(to: input)
        let r = try runTool("xmlsec1", ["--decrypt", "--privkey-pem", files.key.path, "--output", out.path, input.path])
        #expect(r.status == 0, "xmlsec1 could not decrypt: \(r.stderr)")
        let decrypted = String(decoding: try Data(contentsOf: out), as: UTF8.self)
        #expect(decrypted.contains("pseudonym-1"))
        #expect(decrypted.contains("ID=\"_a1\""))

        // And our own reader: decrypt, verify the assertion's signature, read it.
        let decrypter = try AssertionDecrypter(privateKeyPEM: Fixtures.otherRSAKey.pemRepresentation)
        let read = try Response.readVerified(
            try XMLDocument(parsing: xml), verifier: SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey]), decrypter: decrypter)
        #expect(read.assertions.first?.nameID.value == "pseudonym-1")
    }

    @Test func xmlenc11OAEPMatchesOpenSSL() throws {
        let dir = try Fixtures.scratch()
        let spKey = SigningKey.rsa(Fixtures.otherRSAKey)
        let files = try writeKeyFiles(spKey, in: dir, name: "sp11")
        let encrypter = try AssertionEncrypter(recipientCertificatePEM: try String(contentsOf: files.cert, encoding: .utf8), keyTransport: .rsaOAEP)
        let plaintext = Data(sampleAssertion().builder.xmlString().utf8)
        let element = try encrypter.encryptedAssertion(plaintext)
        #expect(element.contains("http://www.w3.org/2009/xmlenc11#mgf1sha256"))
        let doc = try XMLDocument(parsing: element)
        let encryptedData = try #require(doc.root.firstChild("EncryptedData", in: XMLNamespaces.xenc))
        let encryptedKey = try #require(encryptedData.firstChild("KeyInfo", in: XMLNamespaces.ds)?.firstChild("EncryptedKey", in: XMLNamespaces.xenc))
        let wrappedElement = try #require(
            encryptedKey.firstChild("CipherData", in: XMLNamespaces.xenc)?.firstChild("CipherValue", in: XMLNamespaces.xenc))
        let wrapped = try #require(SignatureVerifier.base64(try wrappedElement.text()))
        let ek = dir.appendingPathComponent("ek.bin")
        let k = dir.appendingPathComponent("k.bin")
        try wrapped.write(to: ek)
        let r = try runTool(
            "openssl",
            [
                "pkeyutl", "-decrypt", "-inkey", files.key.path, "-in", ek.path, "-out", k.path,
                "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256",
            ])
        #expect(r.status == 0, "openssl could not unwrap: \(r.stderr)")
        let contentKey = try Data(contentsOf: k)
        #expect(contentKey.count == 32)
        let cipherElement = try #require(
            encryptedData.firstChild("CipherData", in: XMLNamespaces.xenc)?.firstChild("CipherValue", in: XMLNamespaces.xenc))
        let cipher = try #require(SignatureVerifier.base64(try cipherElement.text()))
        let box = try AES.GCM.SealedBox(
            nonce: AES.GCM.Nonce(data: cipher.prefix(12)), ciphertext: cipher.dropFirst(12).dropLast(16), tag: cipher.suffix(16))
        #expect(try AES.GCM.open(box, using: SymmetricKey(data: contentKey)) == plaintext)

        // Our decrypter agrees, and refuses a flipped ciphertext byte.
        let decrypter = try AssertionDecrypter(privateKeyPEM: Fixtures.otherRSAKey.pemRepresentation)
        #expect(try decrypter.decryptedBytes(doc.root) == plaintext)
        var flipped = cipher
        flipped[flipped.startIndex + 20] ^= 1
        let tampered = element.replacingOccurrences(of: cipher.base64EncodedString(), with: flipped.base64EncodedString())
        #expect(throws: EncryptionError.decryptionFailed) { try decrypter.decryptedBytes(try XMLDocument(parsing: tampered).root) }
    }
}
