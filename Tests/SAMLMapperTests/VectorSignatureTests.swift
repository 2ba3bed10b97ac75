import Foundation
import Testing

@testable import SAMLMapper

/// The OpenSAML and xmlsec signature fixtures behave as their README says.
@Suite struct VectorSignatureTests {
    var foobarKey: SigningPublicKey {
        get throws { try SigningPublicKey(pem: try Fixtures.vectorString("opensaml-signed-authnrequest/signing-cert-foobar.example.org.pem")) }
    }

    func verify(_ path: String, _ verifier: SignatureVerifier) -> (any Error)? {
        do {
            let doc = try XMLDocument(parsing: try Fixtures.vector(path))
            _ = try verifier.verify(doc.root)
            return nil
        } catch {
            return error
        }
    }

    @Test func bindingSecuritySignedRequestNeedsSHA1AndPinnedKey() throws {
        let path = "opensaml-signed-authnrequest/binding-security/Signed-AuthnRequest.xml"
        let pinned = SignatureVerifier(trustedKeys: [try foobarKey], policy: .allowingSHA1)
        #expect(verify(path, pinned) == nil)
        // SHA-1 is off by default.
        #expect(
            verify(path, SignatureVerifier(trustedKeys: [try foobarKey])) as? SignatureError == .algorithmNotAllowed(SignatureAlgorithm.rsaSHA1.uri))
        // The certificate in KeyInfo is not trusted: only the pinned key counts.
        let unrelated = SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey], policy: .allowingSHA1)
        #expect(verify(path, unrelated) as? SignatureError == .signatureInvalid)
        #expect(
            verify(path, SignatureVerifier(trustedKeys: [], policy: .allowingSHA1)) as? SignatureError
                == .noTrustedKey(algorithm: SignatureAlgorithm.rsaSHA1.uri))
    }

    @Test func bindingSecurityTamperedRequestFails() throws {
        let pinned = SignatureVerifier(trustedKeys: [try foobarKey], policy: .allowingSHA1)
        #expect(
            verify("opensaml-signed-authnrequest/binding-security/Signed-AuthnRequest-InvalidSignature.xml", pinned) as? SignatureError
                == .digestMismatch)
    }

    static let profileCases: [(String, SignatureError?)] = [
        ("TooManyReferences", .referenceCount(2)),
        ("NonLocalURI", .referenceNotLocal("http://www.example.org#abc123")),
        ("MissingID", .signedElementHasNoID(element: "samlp:AuthnRequest")),
        ("BadURIValue", .referenceToOtherElement(reference: "def456", signedElementID: "abc123")),
        ("TooManyTransforms", .tooManyTransforms(3)),
        ("BadTransform", .transformNotAllowed("http://www.w3.org/TR/1999/REC-xpath-19991116")),
        ("MissingEnvelopedTransform", .missingEnvelopedTransform),
        ("Valid", .digestMismatch),
    ]

    @Test(arguments: profileCases)
    func profileFixturesAllFail(_ name: String, _ expected: SignatureError?) throws {
        // Even with SHA-1 and comment c14n allowed (OpenSAML's own settings), each fails for its own reason.
        var policy = SignaturePolicy.allowingSHA1
        policy.allowsCommentCanonicalization = true
        let verifier = SignatureVerifier(trustedKeys: [try foobarKey], policy: policy)
        let error = verify("opensaml-signed-authnrequest/profile/Signed-AuthnRequest-\(name).xml", verifier)
        #expect(error as? SignatureError == expected)
        // With the default policy every one of them fails as well.
        #expect(
            verify("opensaml-signed-authnrequest/profile/Signed-AuthnRequest-\(name).xml", SignatureVerifier(trustedKeys: [try foobarKey])) != nil)
    }

    @Test func profileDuplicateIDsRefusedAtParse() throws {
        #expect(throws: XMLSecurityError.duplicateID("abc123")) {
            _ = try XMLDocument(parsing: try Fixtures.vector("opensaml-signed-authnrequest/profile/Signed-AuthnRequest-DuplicateIDs.xml"))
        }
    }

    @Test func profileValidRefusedForCommentsByDefault() throws {
        let verifier = SignatureVerifier(trustedKeys: [try foobarKey], policy: .allowingSHA1)
        #expect(
            verify("opensaml-signed-authnrequest/profile/Signed-AuthnRequest-Valid.xml", verifier) as? SignatureError
                == .transformNotAllowed(CanonicalizationMethod.exclusiveWithCommentsURI))
    }

    var interop: SignaturePolicy {
        var p = SignaturePolicy()
        p.allowsWholeDocumentReference = true
        return p
    }

    @Test func xmlsecECDSAVectorVerifies() throws {
        let key = try SigningPublicKey(certificateDER: Array(try Fixtures.vector("xmlsec/keys/ec/ec-prime256v1-pubkey.crt")))
        #expect(verify("xmlsec/aleksey-xmldsig-01/enveloped-sha256-ecdsa-sha256.xml", SignatureVerifier(trustedKeys: [key], policy: interop)) == nil)
        // Not SAML-profile compliant: refused under the default policy.
        #expect(
            verify("xmlsec/aleksey-xmldsig-01/enveloped-sha256-ecdsa-sha256.xml", SignatureVerifier(trustedKeys: [key])) as? SignatureError
                == .transformNotAllowed(CanonicalizationMethod.inclusiveURI))
    }

    @Test func xmlsecECDSADEREncodingRefused() throws {
        let key = try SigningPublicKey(certificateDER: Array(try Fixtures.vector("xmlsec/keys/ec/ec-prime256v1-pubkey.crt")))
        #expect(
            verify("xmlsec/aleksey-xmldsig-01/enveloped-sha256-ecdsa-sha256-with-asn1.xml", SignatureVerifier(trustedKeys: [key], policy: interop))
                as? SignatureError == .signatureInvalid)
    }

    @Test func xmlsecSameSubjectCertificates() throws {
        let path = "xmlsec/aleksey-xmldsig-01/enveloped-x509-same-subj-cert.xml"
        let cert1 = try SigningPublicKey(certificateDER: Array(try Fixtures.vector("xmlsec/keys/same-subj-cert1.der")))
        let cert2 = try SigningPublicKey(certificateDER: Array(try Fixtures.vector("xmlsec/keys/same-subj-cert2.der")))
        #expect(verify(path, SignatureVerifier(trustedKeys: [cert1], policy: interop)) == nil)
        #expect(verify(path, SignatureVerifier(trustedKeys: [cert2], policy: interop)) as? SignatureError == .signatureInvalid)
        // Rollover: both trusted, either order.
        #expect(verify(path, SignatureVerifier(trustedKeys: [cert2, cert1], policy: interop)) == nil)
    }

    @Test func xmlsecRSAVectorWithInlineCertNeedsPinnedKey() throws {
        let path = "xmlsec/aleksey-xmldsig-01/enveloped-x509-missing-cert.xml"
        let leaf = try SigningPublicKey(certificateDER: Array(try Fixtures.vector("xmlsec/keys/rsa/rsa-2048-cert.der")))
        #expect(verify(path, SignatureVerifier(trustedKeys: [leaf], policy: interop)) == nil)
        #expect(verify(path, SignatureVerifier(trustedKeys: [Fixtures.rsa.publicKey], policy: interop)) as? SignatureError == .signatureInvalid)
    }
}
