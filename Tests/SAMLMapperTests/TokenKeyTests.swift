@preconcurrency import Crypto
import Foundation
import PKCS11Token
import Testing
import TokenTestSupport
@preconcurrency import _CryptoExtras

@testable import SAMLMapper

/// Keys inside a PKCS#11 token: signatures made there check out with
/// swift-crypto and xmlsec1, content keys unwrap there, and bad settings fail
/// with messages naming what to fix.
@Suite(.enabled(if: TestToken.available, "needs the SoftHSM2 token from scripts/test.sh"))
struct TokenKeyTests {
    @Test(arguments: [TokenKeyType.rsa2048, .rsa3072])
    func rsaSignaturesVerify(_ type: TokenKeyType) throws {
        let key = try SigningKey(tokenKey: try TestToken.key(type, labelled: "saml-test"))
        let data = Data("<SignedInfo/>".utf8)
        for algorithm in [SignatureAlgorithm.rsaSHA256, .rsaSHA384, .rsaSHA512, .rsaPSSSHA256] {
            let signature = try key.sign(data, algorithm: algorithm)
            #expect(key.publicKey.isValidSignature(signature, for: data, algorithm: algorithm), "\(algorithm)")
            #expect(!key.publicKey.isValidSignature(signature, for: Data("<other/>".utf8), algorithm: algorithm))
        }
        #expect(key.defaultAlgorithm == .rsaSHA256)
        #expect(throws: SigningKeyError.self) { try key.sign(data, algorithm: .ecdsaSHA256) }
        #expect(throws: SigningKeyError.self) { try key.pkcs8PEM() }
    }

    @Test func p256SignaturesAreRawAndVerify() throws {
        let key = try SigningKey(tokenKey: try TestToken.key(.p256, labelled: "saml-test"))
        let data = Data("<SignedInfo/>".utf8)
        let signature = try key.sign(data, algorithm: .ecdsaSHA256)
        #expect(signature.count == 64)
        #expect(key.publicKey.isValidSignature(signature, for: data, algorithm: .ecdsaSHA256))
        #expect(key.defaultAlgorithm == .ecdsaSHA256)
    }

    @Test func ed25519SignsWithEdDSAButNotXML() throws {
        let tokenKey = try TestToken.key(.ed25519, labelled: "saml-test")
        guard case .ed25519(let raw) = tokenKey.publicKey else {
            Issue.record("expected an Ed25519 public key")
            return
        }
        let message = Array("tree head\n".utf8)
        let signature = try tokenKey.sign(message, mechanism: .eddsa)
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        #expect(publicKey.isValidSignature(signature, for: message))
        #expect(throws: SigningKeyError.self) { try SigningKey(tokenKey: tokenKey) }
    }

    @Test(arguments: ["rsa2048", "p256"])
    func xmlsecVerifiesWhatTheTokenSigned(_ kind: String) throws {
        let dir = try Fixtures.scratch()
        let tokenKey = try TestToken.key(TokenKeyType(rawValue: kind) ?? .p256, labelled: "saml-test")
        let certificate = try SelfSignedCertificate(tokenKey: tokenKey, commonName: "Token test")
        let cert = dir.appendingPathComponent("token-\(kind).pem")
        try Data(certificate.pem.utf8).write(to: cert)
        let signer = EnvelopedSigner(key: try SigningKey(tokenKey: tokenKey), certificateDER: Array(certificate.der))
        let interop = InteropTests()

        let response = Response(
            inResponseTo: "_r1", destination: "https://sp.example.org/acs", issuer: "https://idp.example.org", assertions: [sampleAssertion()])
        let responseXML = try response.signedXML(signer, protection: .init(signAssertions: true, signResponse: true))
        let r = try interop.xmlsecVerify(responseXML, cert: cert, in: dir)
        #expect(r.status == 0, "xmlsec1 refused the token-signed Response: \(r.stderr)")

        let endpoints = IdPMetadata.endpoints(baseURL: "https://idp.example.org")
        let metadata = IdPMetadata(
            entityID: "https://idp.example.org", signingCertificate: certificate.der, singleSignOnServices: endpoints.sso,
            artifactResolutionServices: endpoints.artifact, singleLogoutServices: endpoints.slo, validUntil: Date() + 86400)
        let m = try interop.xmlsecVerify(try metadata.signedXML(signer), cert: cert, in: dir)
        #expect(m.status == 0, "xmlsec1 refused the token-signed metadata: \(m.stderr)")

        // The certificate's own signature (made in the token) checks with openssl.
        let check = try runTool("openssl", ["verify", "-CAfile", cert.path, "-check_ss_sig", cert.path])
        #expect(check.status == 0, "openssl refused the token-signed certificate: \(check.stderr)")

        let tampered = Data(String(decoding: responseXML, as: UTF8.self).replacingOccurrences(of: "pseudonym-1", with: "pseudonym-9").utf8)
        #expect(try interop.xmlsecVerify(tampered, cert: cert, in: dir).status != 0)
    }

    @Test func assertionsDecryptInTheToken() throws {
        let tokenKey = try TestToken.key(.rsa2048, labelled: "saml-test")
        let certificate = try SelfSignedCertificate(tokenKey: tokenKey, commonName: "Token encryption")
        let plaintext = Data(sampleAssertion().builder.xmlString().utf8)
        let decrypter = AssertionDecrypter(key: try DecryptionKey(token: tokenKey))
        // rsa-oaep-mgf1p (SHA-1), the transport partners use by default.
        let element = try AssertionEncrypter(recipientCertificatePEM: certificate.pem, keyTransport: .rsaOAEPMGF1P).encryptedAssertion(plaintext)
        #expect(try decrypter.decryptedBytes(try XMLDocument(parsing: element).root) == plaintext)

        // XML-Enc 1.1 OAEP with SHA-256: decrypts where the token offers it
        // (SoftHSM2 2.6 offers OAEP with SHA-1 only), else fails as an unwrap
        // failure; never a wrong plaintext.
        let sha256 = try AssertionEncrypter(recipientCertificatePEM: certificate.pem, keyTransport: .rsaOAEP).encryptedAssertion(plaintext)
        do {
            #expect(try decrypter.decryptedBytes(try XMLDocument(parsing: sha256).root) == plaintext)
        } catch {
            #expect(error as? EncryptionError == .keyUnwrapFailed)
        }

        // Encrypted to another key: the token cannot unwrap it, and says so as a plain unwrap failure.
        let otherKey = try _RSA.Encryption.PublicKey(derRepresentation: Fixtures.otherRSAKey.publicKey.derRepresentation)
        let foreign = try AssertionEncrypter(recipientKey: otherKey, keyTransport: .rsaOAEPMGF1P).encryptedAssertion(plaintext)
        #expect(throws: EncryptionError.keyUnwrapFailed) { try decrypter.decryptedBytes(try XMLDocument(parsing: foreign).root) }
    }

    @Test func badSettingsFailWithActionableErrors() throws {
        let configuration = try #require(TestToken.configuration)
        var missingToken = configuration
        missingToken.tokenLabel = "no-such-token"
        #expect(throws: TokenError.tokenNotFound(label: "no-such-token")) { try Token(missingToken) }
        var badModule = configuration
        badModule.modulePath = "/nonexistent/libpkcs11.so"
        #expect { try Token(badModule) } throws: { error in
            guard case TokenError.moduleUnusable = error else { return false }
            return true
        }
        let token = try TestToken.open()
        #expect(throws: TokenError.keyNotFound(label: "no-such-key", count: 0)) { try TokenKey(token: token, label: "no-such-key") }
        let key = try TestToken.key(.p256, labelled: "saml-test")
        #expect(throws: TokenError.labelInUse(key.label)) { try token.generateKey(.p256, label: key.label) }
        #expect(try token.privateKeyLabels().contains(key.label))
        #expect(key.problem() == nil)
    }

    /// On a token no other test logs in to (Cryptoki shares one login per
    /// process, so only there does a PIN meet the token's check): a wrong PIN
    /// is refused; sessions closed under the pool are replaced without a
    /// failed signature; `close()` logs the process out.
    @Test func pinAndSessionsAreHandledLikeTheTokenSays() throws {
        var configuration = try #require(TestToken.configuration)
        configuration.tokenLabel = try #require(ProcessInfo.processInfo.environment["FB_TEST_PKCS11_PIN_TOKEN"])
        var wrongPIN = configuration
        wrongPIN.pin = "000000"
        func refusesWrongPIN() -> Bool {
            do {
                _ = try Token(wrongPIN)
                return false
            } catch {
                guard case .loginFailed = error else { return false }
                return error.description.contains("CKR_PIN_INCORRECT") && !error.description.contains(configuration.pin)
            }
        }
        #expect(refusesWrongPIN())

        let token = try Token(configuration)
        let tokenKey = try token.generateKey(.p256, label: "sessions-\(UUID().uuidString.prefix(8))")
        let key = try SigningKey(tokenKey: tokenKey)
        let data = Data("<SignedInfo/>".utf8)
        #expect(key.publicKey.isValidSignature(try key.sign(data, algorithm: .ecdsaSHA256), for: data, algorithm: .ecdsaSHA256))
        // Something else in the process closes every session (as a token reset does).
        try Token(configuration).close()
        #expect(key.publicKey.isValidSignature(try key.sign(data, algorithm: .ecdsaSHA256), for: data, algorithm: .ecdsaSHA256))
        #expect(tokenKey.problem() == nil)

        token.close()
        #expect(refusesWrongPIN(), "close() should have logged the process out")
        try token.destroyKeyPair(label: tokenKey.label)
        #expect(throws: TokenError.keyNotFound(label: tokenKey.label, count: 0)) { try TokenKey(token: token, label: tokenKey.label) }
    }

    @Test func concurrentSigningSharesTheSessionPool() async throws {
        let key = try SigningKey(tokenKey: try TestToken.key(.p256, labelled: "saml-test"))
        let publicKey = key.publicKey
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<32 {
                group.addTask {
                    let data = Data("message \(index)".utf8)
                    return publicKey.isValidSignature(try key.sign(data, algorithm: .ecdsaSHA256), for: data, algorithm: .ecdsaSHA256)
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 32 && results.allSatisfy { $0 })
    }
}
