@preconcurrency import Crypto
import Foundation
import PKCS11Token
import SwiftASN1
import X509
@preconcurrency import _CryptoExtras

/// A token key as swift-certificates' custom private key, so a certificate for
/// a key that never leaves the token is signed by the token itself.
struct TokenCertificateKey: CustomPrivateKey {
    static let defaultPEMDiscriminator = "PRIVATE KEY"

    let key: TokenKey
    let publicKey: Certificate.PublicKey

    init(key: TokenKey) throws {
        self.key = key
        self.publicKey = try Self.certificatePublicKey(key.publicKey)
    }

    static func certificatePublicKey(_ key: TokenPublicKey) throws -> Certificate.PublicKey {
        switch key {
        case .rsa(let modulus, let exponent):
            return Certificate.PublicKey(try _RSA.Signing.PublicKey(n: modulus, e: exponent))
        case .p256(let point):
            return Certificate.PublicKey(try P256.Signing.PublicKey(x963Representation: point))
        case .ed25519(let raw):
            return Certificate.PublicKey(try Curve25519.Signing.PublicKey(rawRepresentation: raw))
        }
    }

    var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm {
        switch key.publicKey {
        case .rsa: .sha256WithRSAEncryption
        case .p256: .ecdsaWithSHA256
        case .ed25519: .ed25519
        }
    }

    var supportedSignatureAlgorithms: [Certificate.SignatureAlgorithm] { [defaultSignatureAlgorithm] }

    func signSynchronously(bytes: some DataProtocol, signatureAlgorithm: Certificate.SignatureAlgorithm) throws -> Certificate.Signature {
        let message = Array(bytes)
        let signature: [UInt8]
        switch signatureAlgorithm {
        case .sha256WithRSAEncryption:
            signature = try key.sign(message, mechanism: .rsaPKCS1(.sha256))
        case .ecdsaWithSHA256:
            let raw = try key.sign(Array(SHA256.hash(data: message)), mechanism: .ecdsa)
            signature = Array(try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
        case .ed25519:
            signature = try key.sign(message, mechanism: .eddsa)
        default:
            throw SigningKeyError.algorithmMismatch(key: key.publicKey.kindName, algorithm: "\(signatureAlgorithm)")
        }
        return try Certificate.Signature(signatureAlgorithm: signatureAlgorithm, signatureBytes: ASN1BitString(bytes: signature[...]))
    }

    /// The private key stays in the token: there is nothing to serialise.
    func serialize(into coder: inout DER.Serializer) throws {
        throw SigningKeyError.unsupportedKey("a token key cannot be exported")
    }
}
