@preconcurrency import Crypto
import Foundation
import PKCS11Token
@preconcurrency import _CryptoExtras

/// The RSA key that unwraps content keys encrypted to us: in memory, or in a
/// PKCS#11 token where the unwrap runs.
public enum DecryptionKey: Sendable {
    case rsa(_RSA.Encryption.PrivateKey)
    case token(TokenKey)

    /// A token key, which must be RSA.
    public init(token key: TokenKey) throws {
        guard case .rsa = key.publicKey else {
            throw EncryptionError.unsupportedKey("\(key) is not an RSA key")
        }
        self = .token(key)
    }

    /// RSAES-OAEP with SHA-1 or SHA-256 (MGF1 of the same hash), no label.
    func decryptOAEP(_ ciphertext: Data, sha256: Bool) throws -> Data {
        switch self {
        case .rsa(let key):
            return try key.decrypt(ciphertext, padding: sha256 ? .PKCS1_OAEP_SHA256 : .PKCS1_OAEP)
        case .token(let key):
            return Data(try key.decrypt(Array(ciphertext), mechanism: .rsaOAEP(sha256 ? .sha256 : .sha1)))
        }
    }
}
