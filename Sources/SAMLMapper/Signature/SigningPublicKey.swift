@preconcurrency import Crypto
import Foundation
import SwiftASN1
import X509
@preconcurrency import _CryptoExtras

/// A public key the bridge trusts for checking signatures, always supplied by
/// configuration or verified metadata, never taken from the message itself.
public enum SigningPublicKey: Sendable {
    case rsa(_RSA.Signing.PublicKey)
    case p256(P256.Signing.PublicKey)
    case sm2(SM2Key)

    /// Loads a key from a PEM certificate or a PEM SubjectPublicKeyInfo.
    /// Certificate dates are not checked: trust comes from pinning the key.
    public init(pem: String) throws {
        // SM2 first, for the same reason as in `SigningKey(pem:)`.
        if let key = SM2Key.publicKey(pem: pem) {
            self = .sm2(key)
        } else if pem.contains("BEGIN CERTIFICATE"), let cert = try? Certificate(pemEncoded: pem), let key = SigningPublicKey(cert.publicKey) {
            self = key
        } else if let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem) {
            self = .rsa(key)
        } else if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) {
            self = .p256(key)
        } else {
            throw SigningKeyError.unsupportedKey("certificate or public key PEM not recognised")
        }
    }

    /// Loads the key of a DER certificate (e.g. the base64 body of a metadata `X509Certificate`).
    public init(certificateDER der: [UInt8]) throws {
        if let key = SM2Key.publicKey(certificateDER: der) {
            self = .sm2(key)
        } else if let cert = try? Certificate(derEncoded: der), let key = SigningPublicKey(cert.publicKey) {
            self = key
        } else {
            throw SigningKeyError.unsupportedKey("certificate not recognised")
        }
    }

    init?(_ key: Certificate.PublicKey) {
        if let rsa = _RSA.Signing.PublicKey(key) {
            self = .rsa(rsa)
        } else if let p256 = P256.Signing.PublicKey(key) {
            self = .p256(p256)
        } else {
            return nil
        }
    }

    var kindName: String {
        switch self {
        case .rsa: return "RSA"
        case .p256: return "P-256"
        case .sm2: return "SM2"
        }
    }

    /// Whether this key can check signatures of `algorithm` at all.
    public func supports(_ algorithm: SignatureAlgorithm) -> Bool {
        switch (self, algorithm) {
        case (.rsa, .rsaSHA256), (.rsa, .rsaSHA384), (.rsa, .rsaSHA512), (.rsa, .rsaPSSSHA256), (.rsa, .rsaSHA1): return true
        case (.p256, .ecdsaSHA256): return true
        case (.sm2, .sm2SM3): return true
        default: return false
        }
    }

    /// Checks a SignatureValue over `data`. ECDSA must be raw r||s (64 bytes);
    /// a DER-encoded ECDSA value is refused, as XML-DSig requires.
    public func isValidSignature(_ signature: Data, for data: Data, algorithm: SignatureAlgorithm) -> Bool {
        switch (self, algorithm) {
        case (.rsa(let k), .rsaSHA256):
            return k.isValidSignature(.init(rawRepresentation: signature), for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        case (.rsa(let k), .rsaSHA384):
            return k.isValidSignature(.init(rawRepresentation: signature), for: SHA384.hash(data: data), padding: .insecurePKCS1v1_5)
        case (.rsa(let k), .rsaSHA512):
            return k.isValidSignature(.init(rawRepresentation: signature), for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
        case (.rsa(let k), .rsaPSSSHA256):
            return k.isValidSignature(.init(rawRepresentation: signature), for: SHA256.hash(data: data), padding: .PSS)
        case (.rsa(let k), .rsaSHA1):
            return k.isValidSignature(.init(rawRepresentation: signature), for: Insecure.SHA1.hash(data: data), padding: .insecurePKCS1v1_5)
        case (.p256(let k), .ecdsaSHA256):
            guard signature.count == 64, let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return k.isValidSignature(sig, for: SHA256.hash(data: data))
        case (.sm2(let k), .sm2SM3):
            return k.verify(signature, for: data)
        default:
            return false
        }
    }
}
