import Foundation
import Testing

@testable import SAMLMapper

@Suite struct ProtocolTests {
    @Test func deflateRoundTripAndInterop() throws {
        let text = Data(String(repeating: "<saml:Attribute Name=\"x\">value</saml:Attribute>", count: 200).utf8)
        let compressed = RawDeflate.deflate(text)
        #expect(compressed.count < text.count / 5)
        #expect(try RawDeflate.inflate(compressed, limit: 1 << 20) == text)
        // Streams made by zlib (raw, level 9): a fixed-Huffman one and a dynamic-Huffman one.
        let fixed = Data([0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x22, 0x83, 0x1d, 0x7d, 0x7d, 0x00])
        #expect(String(decoding: try RawDeflate.inflate(fixed, limit: 100), as: UTF8.self) == "hello hello hello SAML")
        let dynamic = try #require(
            Data(
                base64Encoded:
                    "ZZTNTsJAFEZfhcwDCP2j7QQmIXFjohtN3Jq2Vij2j04L1af3zp0m8xG/Fffo4oTjuNNZU/fyMI2n9rW8TKUeV3NTt1ryD/ZiGlrZZbrSss2aUsuxkG+Hl2fpP2xkP3RjV3S1WD097sVHlhdi9V4OuuravaBfEGo3r+gjfbjs1vNyeULdbu70hSrL0t2BUAPNgVCo0cyRSKgfnkNboSY7x2KhKnclQnWdO1Oh+r4HK5LMaEBIVJsBItlPHjAS/rIDSNJHOMn4dIKbdM/nMwBy/aYBId/aDBA5//Lg2yPt2Q4gmRdwkvX1CjcZ53kOgGxbGhASbswAkfOFByw2LXkAyRx6+qkJCn033BOAZ3MC8ZeagMi54gELTVIeQDKHrMHWZIU75qgAEpsUSLoEhT9Bcj7ygHmmKQ8gmUPWMDBZ4Q45KoDIJgWyXYICIueCBywxTXkAyRyyRhuTFW6PowLwbVIgwRIUUMgP9O6NRpF9pHfvNCJzfKSxyQp3wlEBpDYpk/X//0PqDw=="
            ))
        let expected = try #require(
            Data(
                base64Encoded:
                    "PHNhbWxwOkF1dGhuUmVxdWVzdCB4bWxuczpzYW1scD0idXJuOm9hc2lzOm5hbWVzOnRjOlNBTUw6Mi4wOnByb3RvY29sIiBJRD0iX2FiYyIgVmVyc2lvbj0iMi4wIj48eCBuPSIwIj5xPC94Pjx4IG49IjEiPnd3PC94Pjx4IG49IjIiPmVlZTwveD48eCBuPSIzIj5ycnJyPC94Pjx4IG49IjQiPnR0dHR0PC94Pjx4IG49IjUiPnl5eXl5eTwveD48eCBuPSI2Ij51dXV1dXV1PC94Pjx4IG49IjciPmk8L3g+PHggbj0iOCI+b288L3g+PHggbj0iOSI+cHBwPC94Pjx4IG49IjEwIj5hYWFhPC94Pjx4IG49IjExIj5zc3NzczwveD48eCBuPSIxMiI+ZGRkZGRkPC94Pjx4IG49IjEzIj5mZmZmZmZmPC94Pjx4IG49IjE0Ij5nPC94Pjx4IG49IjE1Ij5oaDwveD48eCBuPSIxNiI+ampqPC94Pjx4IG49IjE3Ij5ra2trPC94Pjx4IG49IjE4Ij5sbGxsbDwveD48eCBuPSIxOSI+enp6enp6PC94Pjx4IG49IjIwIj54eHh4eHh4PC94Pjx4IG49IjIxIj5jPC94Pjx4IG49IjIyIj52djwveD48eCBuPSIyMyI+YmJiPC94Pjx4IG49IjI0Ij5ubm5uPC94Pjx4IG49IjI1Ij5tbW1tbTwveD48eCBuPSIyNiI+cXFxcXFxPC94Pjx4IG49IjI3Ij53d3d3d3d3PC94Pjx4IG49IjI4Ij5lPC94Pjx4IG49IjI5Ij5ycjwveD48eCBuPSIzMCI+dHR0PC94Pjx4IG49IjMxIj55eXl5PC94Pjx4IG49IjMyIj51dXV1dTwveD48eCBuPSIzMyI+aWlpaWlpPC94Pjx4IG49IjM0Ij5vb29vb29vPC94Pjx4IG49IjM1Ij5wPC94Pjx4IG49IjM2Ij5hYTwveD48eCBuPSIzNyI+c3NzPC94Pjx4IG49IjM4Ij5kZGRkPC94Pjx4IG49IjM5Ij5mZmZmZjwveD48eCBuPSI0MCI+Z2dnZ2dnPC94Pjx4IG49IjQxIj5oaGhoaGhoPC94Pjx4IG49IjQyIj5qPC94Pjx4IG49IjQzIj5razwveD48eCBuPSI0NCI+bGxsPC94Pjx4IG49IjQ1Ij56enp6PC94Pjx4IG49IjQ2Ij54eHh4eDwveD48eCBuPSI0NyI+Y2NjY2NjPC94Pjx4IG49IjQ4Ij52dnZ2dnZ2PC94Pjx4IG49IjQ5Ij5iPC94Pjx4IG49IjUwIj5ubjwveD48eCBuPSI1MSI+bW1tPC94Pjx4IG49IjUyIj5xcXFxPC94Pjx4IG49IjUzIj53d3d3dzwveD48eCBuPSI1NCI+ZWVlZWVlPC94Pjx4IG49IjU1Ij5ycnJycnJyPC94Pjx4IG49IjU2Ij50PC94Pjx4IG49IjU3Ij55eTwveD48eCBuPSI1OCI+dXV1PC94Pjx4IG49IjU5Ij5paWlpPC94Pjwvc2FtbHA6QXV0aG5SZXF1ZXN0Pg=="
            ))
        #expect(try RawDeflate.inflate(dynamic, limit: 1 << 20) == expected)
    }

    @Test func inflateBombIsStoppedDuringInflation() throws {
        let bomb = RawDeflate.deflate(Data(repeating: 0x41, count: 2 * 1024 * 1024))
        #expect(bomb.count < 20 * 1024)
        #expect(throws: RawDeflate.Failure.tooLarge(limit: 256 * 1024)) { try RawDeflate.inflate(bomb, limit: 256 * 1024) }
        let query = "SAMLRequest=" + RedirectBinding.percentEncode(bomb.base64EncodedString())
        #expect(throws: BindingError.inflate(.tooLarge(limit: 256 * 1024))) { try RedirectBinding.decode(query: query) }
        #expect(throws: RawDeflate.Failure.corrupt) { try RawDeflate.inflate(Data([0xff, 0xff, 0xff]), limit: 100) }
        let whole = RawDeflate.deflate(Data(String(repeating: "truncated stream ", count: 50).utf8))
        #expect(throws: RawDeflate.Failure.corrupt) { try RawDeflate.inflate(whole.prefix(whole.count / 2), limit: 1 << 20) }
    }

    @Test func postBindingCapsSize() throws {
        let big = Data(repeating: 0x20, count: 300 * 1024).base64EncodedString()
        #expect(throws: BindingError.tooLarge(limit: 256 * 1024)) { try POSTBinding.decode(big) }
        #expect(try POSTBinding.decode(POSTBinding.encode(Data("<x/>".utf8))) == Data("<x/>".utf8))
    }

    @Test func artifactEncodeParse() throws {
        let artifact = SAMLArtifact(entityID: "https://idp.example.org", endpointIndex: 1)
        let parsed = try SAMLArtifact(encoded: artifact.encoded)
        #expect(parsed == artifact)
        #expect(parsed.isIssued(by: "https://idp.example.org"))
        #expect(!parsed.isIssued(by: "https://evil.example.org"))
        #expect(Data(base64Encoded: artifact.encoded)?.prefix(4) == Data([0, 4, 0, 1]))
        #expect(throws: SAMLProtocolError.self) { try SAMLArtifact(encoded: Data([0, 5] + [UInt8](repeating: 0, count: 42)).base64EncodedString()) }
    }

    @Test func artifactResolveAndResponseOverSOAP() throws {
        let resolve = ArtifactResolve(destination: "https://idp.example.org/saml/artifact", issuer: "https://sp.example.org", artifact: "AAQAA")
        let signer = EnvelopedSigner(key: Fixtures.rsa)
        let signedResolve = try signer.signedXML(resolve.builder.xmlString())
        let envelope = SOAPEnvelope.wrap(String(decoding: signedResolve, as: UTF8.self))
        let doc = try XMLDocument(parsing: envelope)
        let body = try SOAPEnvelope.bodyElement(of: doc)
        let verified = try SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey]).verify(body)
        #expect(
            try ArtifactResolve(element: verified)
                == ArtifactResolve(
                    id: resolve.id, issueInstant: try ArtifactResolve(element: verified).issueInstant, destination: resolve.destination,
                    issuer: resolve.issuer, artifact: "AAQAA"))

        let response = Response(
            inResponseTo: "_r1", destination: "https://sp.example.org/acs", issuer: "https://idp.example.org", assertions: [sampleAssertion()])
        let inner = try response.signedXML(signer)
        let artifactResponse = ArtifactResponse(inResponseTo: resolve.id, issuer: "https://idp.example.org", message: inner)
        let soap = SOAPEnvelope.wrap(String(decoding: try signer.signedXML(artifactResponse.builder.xmlString()), as: UTF8.self))
        let soapDoc = try XMLDocument(parsing: soap)
        let ar = try SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey]).verify(try SOAPEnvelope.bodyElement(of: soapDoc))
        let read = try ArtifactResponse(element: ar)
        #expect(read.inResponseTo == resolve.id)
        #expect(read.status.isSuccess)
        // The carried Response still verifies where it stands (exclusive c14n).
        let carried = try #require(ArtifactResponse.messageElement(in: ar))
        #expect(try SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey]).verify(carried).id == response.id)
    }

    @Test func soapBodyDropsTheMessagesDeclarationAndSurroundingSpace() throws {
        #expect(SOAPEnvelope.stripDeclaration("<?xml version=\"1.0\"?>\n \t<a>x</a>\r\n ") == "<a>x</a>")
        #expect(SOAPEnvelope.stripDeclaration(" <a/>") == " <a/>")
        #expect(SOAPEnvelope.stripDeclaration("<?xml version=\"1.0\"?>") == "")
        #expect(SOAPEnvelope.stripDeclaration("<?xml no end") == "<?xml no end")
        #expect(SOAPEnvelope.stripDeclaration("<?xml version=\"1.0\"?><名>值</名>") == "<名>值</名>")
        let document = try XMLDocument(parsing: Data(SOAPEnvelope.wrap("<?xml version=\"1.0\"?>\n<a xmlns=\"urn:x\"/>\n").utf8))
        #expect(try SOAPEnvelope.bodyElement(of: document).localName == "a")
    }

    @Test func identifiersAreFreshXMLIDsOf160Bits() {
        let ids = (0..<200).map { _ in SAMLIdentifier.make() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.count == 41 && id.hasPrefix("_"))
            #expect(id.dropFirst().allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }

    @Test func statusWithSecondLevelCode() throws {
        let status = SAMLStatus(code: SAMLStatus.responder, subCode: SAMLStatus.authnFailed, message: "user cancelled")
        let doc = try XMLDocument(parsing: status.builder.xmlString())
        #expect(try SAMLStatus(element: doc.root) == status)
        #expect(!status.isSuccess)
    }

    @Test func responseAndAssertionRoundTrip() throws {
        let assertion = sampleAssertion()
        let response = Response(
            inResponseTo: "_r1", destination: "https://sp.example.org/acs", issuer: "https://idp.example.org", assertions: [assertion])
        let xml = try response.signedXML(EnvelopedSigner(key: Fixtures.rsa))
        let read = try Response.readVerified(try XMLDocument(parsing: xml), verifier: SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey]))
        #expect(read.inResponseTo == "_r1")
        #expect(read.status.isSuccess)
        let a = try #require(read.assertions.first)
        #expect(a.nameID == assertion.nameID)
        #expect(a.conditions?.audiences == ["https://sp.example.org"])
        #expect(a.subjectConfirmations.first?.recipient == "https://sp.example.org/acs")
        #expect(a.authnStatement?.contextClassRef == "urn:example:ac:level2")
        #expect(a.attributes == assertion.attributes)
        #expect(abs(a.issueInstant.timeIntervalSince(assertion.issueInstant)) < 0.01)
    }

    /// Responses are built on every request thread at once: each one, plain
    /// or encrypted, must come out whole and verify with its own content.
    @Test func responsesBuiltConcurrentlyEachVerify() async throws {
        let spCert = try SelfSignedCertificate(key: .rsa(Fixtures.otherRSAKey), commonName: "sp")
        let encrypter = try AssertionEncrypter(recipientCertificatePEM: spCert.pem)
        let signer = EnvelopedSigner(key: Fixtures.rsa, certificateDER: Array(spCert.der))
        let read = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<48 {
                group.addTask {
                    let assertion = sampleAssertion(id: "_a\(index)", nameID: "pseudonym-\(index)")
                    let response = Response(
                        inResponseTo: "_r\(index)", destination: "https://sp.example.org/acs", issuer: "https://idp.example.org",
                        assertions: [assertion])
                    let xml = try response.signedXML(signer, protection: .init(encrypter: index.isMultiple(of: 2) ? encrypter : nil))
                    let back = try Response.readVerified(
                        try XMLDocument(parsing: xml), verifier: SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey]),
                        decrypter: try AssertionDecrypter(privateKeyPEM: Fixtures.otherRSAKey.pemRepresentation))
                    #expect(back.inResponseTo == "_r\(index)")
                    return (index, back.assertions.first?.nameID.value)
                }
            }
            return try await group.reduce(into: [Int: String?]()) { $0[$1.0] = $1.1 }
        }
        #expect(read.count == 48)
        #expect(read.allSatisfy { $0.value == "pseudonym-\($0.key)" })
    }

    @Test func encryptedUnsignedAssertionNeedsSignedResponse() throws {
        let spCert = try SelfSignedCertificate(key: .rsa(Fixtures.otherRSAKey), commonName: "sp")
        let encrypter = try AssertionEncrypter(recipientCertificatePEM: spCert.pem)
        let decrypter = try AssertionDecrypter(privateKeyPEM: Fixtures.otherRSAKey.pemRepresentation)
        let verifier = SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey])
        let response = Response(
            inResponseTo: "_r1", destination: "https://sp.example.org/acs", issuer: "https://idp.example.org", assertions: [sampleAssertion()])
        let signed = try response.signedXML(
            EnvelopedSigner(key: Fixtures.rsa), protection: .init(signAssertions: false, signResponse: true, encrypter: encrypter))
        let read = try Response.readVerified(try XMLDocument(parsing: signed), verifier: verifier, decrypter: decrypter)
        #expect(read.assertions.first?.nameID.value == "pseudonym-1")
        let unsigned = try response.signedXML(
            EnvelopedSigner(key: Fixtures.rsa), protection: .init(signAssertions: false, signResponse: false, encrypter: encrypter))
        #expect(throws: SignatureError.notSigned(element: "saml:Assertion")) {
            _ = try Response.readVerified(try XMLDocument(parsing: unsigned), verifier: verifier, decrypter: decrypter)
        }
    }

    @Test func logoutRoundTrip() throws {
        let request = LogoutRequest(
            destination: "https://sp.example.org/slo", issuer: "https://idp.example.org", nameID: NameID(value: "p-1"), sessionIndexes: ["_s1"])
        let signed = try EnvelopedSigner(key: Fixtures.p256).signedXML(request.builder.xmlString())
        let doc = try XMLDocument(parsing: signed)
        let read = try LogoutRequest(element: try SignatureVerifier(trustedKeys: [Fixtures.p256.publicKey]).verify(doc.root))
        #expect(read.nameID.value == "p-1")
        #expect(read.sessionIndexes == ["_s1"])
        let response = LogoutResponse(
            inResponseTo: read.id, destination: "https://idp.example.org/slo", issuer: "https://sp.example.org",
            status: SAMLStatus(code: SAMLStatus.success))
        let back = try LogoutResponse(element: try XMLDocument(parsing: response.builder.xmlString()).root)
        #expect(back.inResponseTo == read.id)
        #expect(back.status.isSuccess)
    }

    @Test func authnRequestExtensionsAreKeptAsSigned() throws {
        let ext = Data(#"<gd:Claim xmlns:gd="urn:example:gd" Name="purpose">account-opening</gd:Claim>"#.utf8)
        let request = AuthnRequest(destination: "https://idp.example.org/saml/sso", issuer: "https://sp.example.org", extensions: [ext])
        let signed = try EnvelopedSigner(key: Fixtures.rsa).signedXML(request.builder.xmlString())
        let doc = try XMLDocument(parsing: signed)
        let read = try AuthnRequest(element: try SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey]).verify(doc.root))
        let claim = try XMLDocument(parsing: try #require(read.extensions.first))
        #expect(claim.root.attribute("Name") == "purpose")
        #expect(try claim.root.text() == "account-opening")
    }
}
