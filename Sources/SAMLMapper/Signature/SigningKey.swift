@preconcurrency import Crypto
import Foundation
import PKCS11Token
import X509
@preconcurrency import _CryptoExtras

/// A private key the bridge signs with: a file key held in memory, or a key
/// that stays in a PKCS#11 token and signs there.
public enum SigningKey: Sendable {
    case rsa(RSASigningKey)
    case p256(P256.Signing.PrivateKey)
    case sm2(SM2Key)
    case token(TokenSigningKey)

    /// A key in a PKCS#11 token; RSA (2048 bits or more) or P-256.
    public init(tokenKey: TokenKey) throws {
        self = .token(try TokenSigningKey(tokenKey))
    }

    /// Loads a PEM private key (PKCS#8, or PKCS#1/SEC1 for RSA/P-256).
    public init(pem: String) throws {
        // SM2 first: its keys share the EC key encoding, and only libcrypto
        // checks the curve OID strictly enough to tell them from P-256.
        if let key = SM2Key.privateKey(pem: pem) {
            self = .sm2(key)
        } else if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            self = .rsa(RSASigningKey(key))
        } else if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p256(key)
        } else {
            throw SigningKeyError.unsupportedKey("private key PEM not recognised")
        }
    }

    /// The signature method this key uses unless told otherwise.
    public var defaultAlgorithm: SignatureAlgorithm {
        switch self {
        case .rsa: return .rsaSHA256
        case .p256: return .ecdsaSHA256
        case .sm2: return .sm2SM3
        case .token(let k): return k.defaultAlgorithm
        }
    }

    public var publicKey: SigningPublicKey {
        switch self {
        case .rsa(let k): return .rsa(k.key.publicKey)
        case .p256(let k): return .p256(k.publicKey)
        case .sm2(let k): return .sm2(k)
        case .token(let k): return k.publicKey
        }
    }

    /// PKCS#8 PEM of the private key; a token key cannot be exported.
    public func pkcs8PEM() throws -> String {
        switch self {
        case .rsa(let k): return k.key.pkcs8PEMRepresentation
        case .p256(let k): return k.pemRepresentation
        case .sm2(let k): return try k.privateKeyPEM()
        case .token(let k): throw SigningKeyError.unsupportedKey("\(k.key) stays in its token")
        }
    }

    /// Signs `data` with `algorithm`; the output is the XML-DSig SignatureValue bytes
    /// (raw r||s for ECDSA, DER for SM2 as GM/T 0009 defines it).
    public func sign(_ data: Data, algorithm: SignatureAlgorithm) throws -> Data {
        switch (self, algorithm) {
        case (.rsa(let k), .rsaSHA256):
            return try k.signPKCS1(data, digest: "SHA256")
        case (.rsa(let k), .rsaSHA384):
            return try k.signPKCS1(data, digest: "SHA384")
        case (.rsa(let k), .rsaSHA512):
            return try k.signPKCS1(data, digest: "SHA512")
        case (.rsa(let k), .rsaPSSSHA256):
            return try k.key.signature(for: SHA256.hash(data: data), padding: .PSS).rawRepresentation
        case (.rsa(let k), .rsaSHA1):
            return try k.key.signature(for: Insecure.SHA1.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        case (.p256(let k), .ecdsaSHA256):
            return try k.signature(for: SHA256.hash(data: data)).rawRepresentation
        case (.sm2(let k), .sm2SM3):
            return try k.sign(data)
        case (.token(let k), _):
            return try k.sign(data, algorithm: algorithm)
        default:
            throw SigningKeyError.algorithmMismatch(key: kindName, algorithm: algorithm.uri)
        }
    }

    var kindName: String { publicKey.kindName }

    /// An RSA key from swift-crypto; it signs through libcrypto when it can.
    public static func rsa(_ key: _RSA.Signing.PrivateKey) -> SigningKey {
        .rsa(RSASigningKey(key))
    }
}
