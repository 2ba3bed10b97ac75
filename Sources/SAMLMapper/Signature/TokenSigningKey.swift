@preconcurrency import Crypto
import Foundation
import PKCS11Token
@preconcurrency import _CryptoExtras

/// An RSA (2048 bits or more) or P-256 key in a PKCS#11 token, for XML
/// signatures. The token hashes and signs; ECDSA is hashed here and the
/// token signs the digest, which yields the raw r‖s XML-DSig wants.
public struct TokenSigningKey: Sendable {
    public let key: TokenKey
    public let publicKey: SigningPublicKey

    public init(_ key: TokenKey) throws {
        self.key = key
        switch key.publicKey {
        case .rsa(let modulus, let exponent):
            publicKey = .rsa(try _RSA.Signing.PublicKey(n: modulus, e: exponent))
        case .p256(let point):
            publicKey = .p256(try P256.Signing.PublicKey(x963Representation: point))
        case .ed25519:
            throw SigningKeyError.unsupportedKey("\(key): XML signatures here use RSA or P-256 keys")
        }
    }

    var defaultAlgorithm: SignatureAlgorithm {
        if case .rsa = publicKey { return .rsaSHA256 }
        return .ecdsaSHA256
    }

    func sign(_ data: Data, algorithm: SignatureAlgorithm) throws -> Data {
        let mechanism: TokenMechanism
        var input = Array(data)
        switch (publicKey, algorithm) {
        case (.rsa, .rsaSHA256): mechanism = .rsaPKCS1(.sha256)
        case (.rsa, .rsaSHA384): mechanism = .rsaPKCS1(.sha384)
        case (.rsa, .rsaSHA512): mechanism = .rsaPKCS1(.sha512)
        case (.rsa, .rsaSHA1): mechanism = .rsaPKCS1(.sha1)
        case (.rsa, .rsaPSSSHA256): mechanism = .rsaPSS(.sha256)
        case (.p256, .ecdsaSHA256):
            mechanism = .ecdsa
            input = Array(SHA256.hash(data: data))
        default:
            throw SigningKeyError.algorithmMismatch(key: publicKey.kindName, algorithm: algorithm.uri)
        }
        return Data(try key.sign(input, mechanism: mechanism))
    }
}
