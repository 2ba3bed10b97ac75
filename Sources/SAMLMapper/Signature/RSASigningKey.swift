import CLibCrypto
@preconcurrency import Crypto
import Foundation
@preconcurrency import _CryptoExtras

/// An RSA private key that signs PKCS#1 v1.5 through the system's libcrypto
/// and keeps the swift-crypto key for everything else (public key, PEM,
/// certificates, PSS and SHA-1).
///
/// Measured with `bridge bench saml`: libcrypto signs RSA-2048 about twice
/// as fast as swift-crypto on the x86-64 machines we run on, and signing is
/// the floor of a sign-in's cost. Both produce identical signatures (PKCS#1
/// v1.5 is deterministic), which a test checks.
///
/// `@unchecked Sendable`: the `EVP_PKEY` is never mutated after loading, and
/// every signature uses its own `EVP_MD_CTX`, which OpenSSL allows to run
/// concurrently on one key.
public final class RSASigningKey: @unchecked Sendable {
    public let key: _RSA.Signing.PrivateKey
    /// The same key in libcrypto, or `nil` when it could not be loaded there
    /// (then swift-crypto signs).
    private let pkey: OpaquePointer?

    /// - Parameter libcrypto: `false` keeps signing in swift-crypto (for the
    ///   benchmark's comparison).
    public init(_ key: _RSA.Signing.PrivateKey, libcrypto: Bool = true) {
        self.key = key
        guard libcrypto else {
            pkey = nil
            return
        }
        let der = Array(key.derRepresentation)
        pkey = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }
    }

    deinit { if let pkey { EVP_PKEY_free(pkey) } }

    /// Whether signatures come from libcrypto.
    public var signsWithLibcrypto: Bool { pkey != nil }

    /// PKCS#1 v1.5 signature of `data` with the named digest (SHA256, SHA384, SHA512).
    func signPKCS1(_ data: Data, digest: String) throws -> Data {
        guard let pkey else { return try signWithSwiftCrypto(data, digest: digest) }
        guard let context = EVP_MD_CTX_new() else { throw SigningKeyError.openSSL("RSA signing context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit_ex(context, nil, digest, nil, nil, pkey, nil) == 1 else {
            throw SigningKeyError.openSSL("RSA signing with \(digest)")
        }
        var length = EVP_PKEY_get_size(pkey) > 0 ? Int(EVP_PKEY_get_size(pkey)) : 512
        var signature = [UInt8](repeating: 0, count: length)
        let rc = data.withUnsafeBytes { raw in
            EVP_DigestSign(context, &signature, &length, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        guard rc == 1 else { throw SigningKeyError.openSSL("RSA signing with \(digest)") }
        return Data(signature.prefix(length))
    }

    func signWithSwiftCrypto(_ data: Data, digest: String) throws -> Data {
        switch digest {
        case "SHA256": try key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        case "SHA384": try key.signature(for: SHA384.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        case "SHA512": try key.signature(for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        default: throw SigningKeyError.openSSL("RSA signing with \(digest)")
        }
    }
}
