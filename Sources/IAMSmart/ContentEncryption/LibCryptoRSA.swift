import CLibCrypto
import Foundation

/// RSA key transport through libcrypto's EVP API, for what swift-crypto lacks:
/// PKCS#1 v1.5 encryption padding, and reading a public key out of an X.509
/// certificate PEM without pulling a certificate library into this module.
enum LibCryptoRSA {
    enum Failure: Error {
        case unreadableKey
        case operationFailed(String)
    }

    static func decrypt(_ ciphertext: Data, privateKeyPEM: String, padding: ContentKeyPadding) throws -> Data {
        let key = try loadKey(pem: privateKeyPEM) { bio in PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_PKEY_CTX_new(key, nil) else { throw Failure.operationFailed("EVP_PKEY_CTX_new") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_decrypt_init(context) == 1,
            EVP_PKEY_CTX_set_rsa_padding(context, padding.openSSLPadding) == 1
        else { throw Failure.operationFailed("decrypt init") }
        return try run(context, input: ciphertext, operation: EVP_PKEY_decrypt)
    }

    /// Encrypts to the key in a certificate (`BEGIN CERTIFICATE`) or a public
    /// key (`BEGIN PUBLIC KEY`) PEM.
    static func encrypt(_ plaintext: Data, recipientPEM: String, padding: ContentKeyPadding) throws -> Data {
        let key: OpaquePointer
        if recipientPEM.contains("BEGIN CERTIFICATE") {
            key = try loadKey(pem: recipientPEM) { bio in
                guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else { return nil }
                defer { X509_free(certificate) }
                return X509_get_pubkey(certificate)
            }
        } else {
            key = try loadKey(pem: recipientPEM) { bio in PEM_read_bio_PUBKEY(bio, nil, nil, nil) }
        }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_PKEY_CTX_new(key, nil) else { throw Failure.operationFailed("EVP_PKEY_CTX_new") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_encrypt_init(context) == 1,
            EVP_PKEY_CTX_set_rsa_padding(context, padding.openSSLPadding) == 1
        else { throw Failure.operationFailed("encrypt init") }
        return try run(context, input: plaintext, operation: EVP_PKEY_encrypt)
    }

    private static func loadKey(
        pem: String,
        _ read: (OpaquePointer) -> OpaquePointer?
    ) throws -> OpaquePointer {
        let bytes = Array(pem.utf8)
        let key: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return read(bio)
        }
        ERR_clear_error()
        guard let key else { throw Failure.unreadableKey }
        return key
    }

    private static func run(
        _ context: OpaquePointer,
        input: Data,
        operation: (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int>?, UnsafePointer<UInt8>?, Int) -> Int32
    ) throws -> Data {
        let inputBytes = Array(input)
        var length = 0
        guard operation(context, nil, &length, inputBytes, inputBytes.count) == 1 else {
            ERR_clear_error()
            throw Failure.operationFailed("size query")
        }
        var output = [UInt8](repeating: 0, count: length)
        guard operation(context, &output, &length, inputBytes, inputBytes.count) == 1 else {
            ERR_clear_error()
            throw Failure.operationFailed("RSA operation")
        }
        return Data(output.prefix(length))
    }
}

extension ContentKeyPadding {
    var openSSLPadding: Int32 {
        switch self {
        case .oaepSHA1: RSA_PKCS1_OAEP_PADDING
        case .pkcs1v15: RSA_PKCS1_PADDING
        }
    }
}
