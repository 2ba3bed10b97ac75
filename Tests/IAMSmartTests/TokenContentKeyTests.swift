import Crypto
import Foundation
import PKCS11Token
import Testing
import TokenTestSupport
@preconcurrency import _CryptoExtras

@testable import IAMSmart

/// The iAM Smart client key in a PKCS#11 token: the content key iAM Smart
/// wraps to our certificate unwraps inside the token with either padding.
@Suite(
    "Content key unwrapped in a token",
    .enabled(
        if: TestToken.available,
        "needs the SoftHSM2 token from scripts/test.sh"))
struct TokenContentKeyTests {
    static func tokenKey() throws -> (TokenKey, publicKeyPEM: String) {
        let key = try TestToken.key(.rsa2048, labelled: "iamsmart-test")
        guard case .rsa(let modulus, let exponent) = key.publicKey else { throw TokenError.unsupportedKey(label: key.label, reason: "not RSA") }
        return (key, try _RSA.Encryption.PublicKey(n: modulus, e: exponent).pemRepresentation)
    }

    @Test(arguments: ContentKeyPadding.allCases)
    func unwrapsInTheToken(padding: ContentKeyPadding) throws {
        let (key, publicKeyPEM) = try Self.tokenKey()
        let contentKey = SymmetricKey(size: .bits256)
        let wrapped = try ContentKeyTransport.wrap(contentKey, recipientPEM: publicKeyPEM, padding: padding)
        let unwrapped = try ContentKeyTransport.unwrap(wrapped, tokenKey: key, padding: padding)
        #expect(unwrapped == contentKey)

        // The configuration path picks the token over the (empty) PEM.
        var configuration = clientConfiguration(baseURL: URL(string: "http://127.0.0.1:1")!, padding: padding)
        configuration.privateKeyPEM = ""
        configuration.tokenPrivateKey = key
        #expect(try ContentKeyTransport.unwrap(wrapped, configuration: configuration) == contentKey)
        #expect(throws: Never.self) { try ContentKeyTransport.validatePrivateKey(configuration) }
    }

    @Test func wrongPaddingOrForeignKeyFailsAsUnwrapFailure() throws {
        let (key, publicKeyPEM) = try Self.tokenKey()
        let contentKey = SymmetricKey(size: .bits256)
        let wrapped = try ContentKeyTransport.wrap(contentKey, recipientPEM: publicKeyPEM, padding: .oaepSHA1)
        #expect(throws: IAMSmartError.contentKeyUnwrapFailed(padding: .pkcs1v15)) {
            try ContentKeyTransport.unwrap(wrapped, tokenKey: key, padding: .pkcs1v15)
        }
        let foreign = try ContentKeyTransport.wrap(contentKey, recipientPEM: TestKeys.shared.certificatePEM, padding: .oaepSHA1)
        #expect(throws: IAMSmartError.contentKeyUnwrapFailed(padding: .oaepSHA1)) {
            try ContentKeyTransport.unwrap(foreign, tokenKey: key, padding: .oaepSHA1)
        }
        // A 16-byte key is not an AES-256 content key.
        let short = try ContentKeyTransport.wrap(SymmetricKey(size: .bits128), recipientPEM: publicKeyPEM, padding: .oaepSHA1)
        #expect(throws: IAMSmartError.contentKeyUnwrapFailed(padding: .oaepSHA1)) {
            try ContentKeyTransport.unwrap(short, tokenKey: key, padding: .oaepSHA1)
        }
    }
}
