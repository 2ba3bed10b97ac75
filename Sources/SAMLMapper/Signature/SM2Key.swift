import CLibCrypto
import Foundation

/// An SM2 key held by OpenSSL's libcrypto, which is the only SM2/SM3
/// implementation the project links (swift-crypto has none).
///
/// `@unchecked Sendable`: the wrapped `EVP_PKEY` is never mutated after
/// loading, and OpenSSL allows concurrent signing and verifying with one key as
/// long as each operation has its own `EVP_MD_CTX`, which every call here does.
public final class SM2Key: @unchecked Sendable {
    /// GM/T 0009 default signer ID used in the SM2 `Z` value.
    public static let defaultUserID = Array("1234567812345678".utf8)

    let pkey: OpaquePointer
    public let hasPrivateKey: Bool

    init(pkey: OpaquePointer, hasPrivateKey: Bool) {
        self.pkey = pkey
        self.hasPrivateKey = hasPrivateKey
    }

    deinit { EVP_PKEY_free(pkey) }

    /// A fresh SM2 key pair.
    public static func generate() throws -> SM2Key {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "SM2", nil) else { throw SigningKeyError.openSSL("SM2 key generation") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_generate(ctx, &key) == 1, let key else {
            throw SigningKeyError.openSSL("SM2 key generation")
        }
        return SM2Key(pkey: key, hasPrivateKey: true)
    }

    /// Loads a PKCS#8 private key PEM, or nil when it is not an SM2 key.
    static func privateKey(pem: String) -> SM2Key? {
        guard let key = withBIO(pem, { PEM_read_bio_PrivateKey($0, nil, nil, nil) }) else { return nil }
        guard EVP_PKEY_is_a(key, "SM2") == 1 else {
            EVP_PKEY_free(key)
            return nil
        }
        return SM2Key(pkey: key, hasPrivateKey: true)
    }

    /// Loads a certificate or SubjectPublicKeyInfo PEM, or nil when it holds no SM2 key.
    static func publicKey(pem: String) -> SM2Key? {
        var key: OpaquePointer?
        if pem.contains("CERTIFICATE"), let cert = withBIO(pem, { PEM_read_bio_X509($0, nil, nil, nil) }) {
            key = X509_get_pubkey(cert)
            X509_free(cert)
        } else {
            key = withBIO(pem, { PEM_read_bio_PUBKEY($0, nil, nil, nil) })
        }
        guard let key else { return nil }
        guard EVP_PKEY_is_a(key, "SM2") == 1 else {
            EVP_PKEY_free(key)
            return nil
        }
        return SM2Key(pkey: key, hasPrivateKey: false)
    }

    /// Loads the SM2 key from a DER certificate, or nil.
    static func publicKey(certificateDER der: [UInt8]) -> SM2Key? {
        let cert: OpaquePointer? = der.withUnsafeBufferPointer { buf in
            var p: UnsafePointer<UInt8>? = buf.baseAddress
            return d2i_X509(nil, &p, buf.count)
        }
        guard let cert else { return nil }
        defer { X509_free(cert) }
        guard let key = X509_get_pubkey(cert) else { return nil }
        guard EVP_PKEY_is_a(key, "SM2") == 1 else {
            EVP_PKEY_free(key)
            return nil
        }
        return SM2Key(pkey: key, hasPrivateKey: false)
    }

    /// The public half as a SubjectPublicKeyInfo PEM.
    public func publicKeyPEM() throws -> String {
        try pemString { PEM_write_bio_PUBKEY($0, pkey) }
    }

    /// The private key as unencrypted PKCS#8 PEM.
    public func privateKeyPEM() throws -> String {
        try pemString { PEM_write_bio_PrivateKey($0, pkey, nil, nil, 0, nil, nil) }
    }

    /// SM2 signature with SM3 and the GM/T default user ID; DER `SEQUENCE{r, s}`.
    public func sign(_ data: Data) throws -> Data {
        guard hasPrivateKey else { throw SigningKeyError.openSSL("SM2 signing needs a private key") }
        let (md, pctx) = try digestContext(sign: true)
        defer { EVP_MD_CTX_free(md) }
        _ = pctx
        var length = 0
        let ok = data.withUnsafeBytes { raw -> Bool in
            let p = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            guard EVP_DigestSign(md, nil, &length, p, raw.count) == 1 else { return false }
            return true
        }
        guard ok else { throw SigningKeyError.openSSL("SM2 signing") }
        var out = [UInt8](repeating: 0, count: length)
        let signed = data.withUnsafeBytes { raw in
            EVP_DigestSign(md, &out, &length, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        guard signed == 1 else { throw SigningKeyError.openSSL("SM2 signing") }
        return Data(out.prefix(length))
    }

    /// Checks an SM2-SM3 DER signature made with the GM/T default user ID.
    public func verify(_ signature: Data, for data: Data) -> Bool {
        guard let (md, _) = try? digestContext(sign: false) else { return false }
        defer { EVP_MD_CTX_free(md) }
        let rc = signature.withUnsafeBytes { sig in
            data.withUnsafeBytes { raw in
                EVP_DigestVerify(
                    md, sig.baseAddress?.assumingMemoryBound(to: UInt8.self), sig.count,
                    raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
            }
        }
        return rc == 1
    }

    /// A digest context bound to this key, SM3 and the default user ID.
    /// The ID is set after init and before any data, when OpenSSL computes `Z`.
    private func digestContext(sign: Bool) throws -> (OpaquePointer, OpaquePointer?) {
        guard let md = EVP_MD_CTX_new() else { throw SigningKeyError.openSSL("SM2 context") }
        var pctx: OpaquePointer?
        let rc =
            sign
            ? EVP_DigestSignInit_ex(md, &pctx, "SM3", nil, nil, pkey, nil)
            : EVP_DigestVerifyInit_ex(md, &pctx, "SM3", nil, nil, pkey, nil)
        guard rc == 1, let pctx,
            SM2Key.defaultUserID.withUnsafeBytes({ EVP_PKEY_CTX_set1_id(pctx, $0.baseAddress, Int32($0.count)) }) == 1
        else {
            EVP_MD_CTX_free(md)
            throw SigningKeyError.openSSL("SM2 context")
        }
        return (md, pctx)
    }

    private static func withBIO<T>(_ pem: String, _ body: (OpaquePointer) -> T?) -> T? {
        let bytes = Array(pem.utf8)
        return bytes.withUnsafeBytes { raw -> T? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    private func pemString(_ write: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw SigningKeyError.openSSL("PEM output") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw SigningKeyError.openSSL("PEM output") }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard let pointer, length > 0 else { throw SigningKeyError.openSSL("PEM output") }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}
