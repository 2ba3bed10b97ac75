import Crypto
import Foundation
import PKCS11Token
import _CryptoExtras

/// Unwraps (client) and wraps (sandbox) the AES-256 content encryption key that
/// `getKey` returns RSA-encrypted to the service's registered certificate.
///
/// OAEP goes through swift-crypto; PKCS#1 v1.5 through libcrypto, because
/// swift-crypto offers no PKCS#1 v1.5 *encryption* padding. Wrapping always
/// uses libcrypto so that the sandbox and the client use different code for
/// OAEP and a mismatch between them would show in tests.
public enum ContentKeyTransport {
    /// Decrypts the CEK with the service's private key; fails unless it is 32 bytes.
    public static func unwrap(
        _ wrapped: Data,
        privateKeyPEM: String,
        padding: ContentKeyPadding
    ) throws(IAMSmartError) -> SymmetricKey {
        let plaintext: Data
        do {
            switch padding {
            case .oaepSHA1:
                let key = try _RSA.Encryption.PrivateKey(pemRepresentation: privateKeyPEM)
                plaintext = try key.decrypt(wrapped, padding: .PKCS1_OAEP)
            case .pkcs1v15:
                plaintext = try LibCryptoRSA.decrypt(wrapped, privateKeyPEM: privateKeyPEM, padding: padding)
            }
        } catch {
            throw .contentKeyUnwrapFailed(padding: padding)
        }
        guard plaintext.count == 32 else { throw .contentKeyUnwrapFailed(padding: padding) }
        return SymmetricKey(data: plaintext)
    }

    /// Decrypts the CEK inside a PKCS#11 token; fails unless it is 32 bytes.
    public static func unwrap(
        _ wrapped: Data,
        tokenKey: TokenKey,
        padding: ContentKeyPadding
    ) throws(IAMSmartError) -> SymmetricKey {
        let mechanism: TokenMechanism = padding == .oaepSHA1 ? .rsaOAEP(.sha1) : .rsaPKCS1Encryption
        guard let plaintext = try? tokenKey.decrypt(Array(wrapped), mechanism: mechanism), plaintext.count == 32 else {
            throw .contentKeyUnwrapFailed(padding: padding)
        }
        return SymmetricKey(data: plaintext)
    }

    /// Unwraps with the token key when the configuration names one, else with the PEM key.
    static func unwrap(_ wrapped: Data, configuration: IAMSmartConfiguration) throws(IAMSmartError) -> SymmetricKey {
        if let tokenKey = configuration.tokenPrivateKey {
            return try unwrap(wrapped, tokenKey: tokenKey, padding: configuration.contentKeyPadding)
        }
        return try unwrap(wrapped, privateKeyPEM: configuration.privateKeyPEM, padding: configuration.contentKeyPadding)
    }

    /// Encrypts a CEK to a certificate or public-key PEM (the sandbox's side).
    public static func wrap(_ key: SymmetricKey, recipientPEM: String, padding: ContentKeyPadding) throws -> Data {
        let raw = key.withUnsafeBytes { Data($0) }
        return try LibCryptoRSA.encrypt(raw, recipientPEM: recipientPEM, padding: padding)
    }

    /// Checks that the configured key is a usable RSA private key, so a bad
    /// key fails at start-up rather than at the first sign-in.
    static func validatePrivateKey(_ configuration: IAMSmartConfiguration) throws(IAMSmartError) {
        guard let tokenKey = configuration.tokenPrivateKey else {
            return try validatePrivateKey(pem: configuration.privateKeyPEM)
        }
        guard case .rsa = tokenKey.publicKey else {
            throw .invalidConfiguration("\(tokenKey) is not an RSA key")
        }
    }

    /// Checks that a PEM holds a usable RSA private key, so a bad key fails at
    /// start-up rather than at the first sign-in.
    public static func validatePrivateKey(pem: String) throws(IAMSmartError) {
        do {
            _ = try _RSA.Encryption.PrivateKey(pemRepresentation: pem)
        } catch {
            throw .invalidConfiguration("privateKeyPEM is not an RSA private key of at least 2048 bits in PEM form")
        }
    }
}
