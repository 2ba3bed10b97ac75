import CLibCrypto
import Foundation
import PKCS11Token
import SwiftASN1
import X509

/// A self-signed certificate for a signing or encryption key.
///
/// SAML metadata carries keys as X.509 certificates, but trust comes from the
/// metadata itself, so a self-signed certificate is the norm.
public struct SelfSignedCertificate: Sendable, Hashable {
    public var pem: String
    public var der: Data

    /// Makes a certificate for `key`: swift-certificates for RSA and P-256,
    /// libcrypto for SM2 (signed SM2-with-SM3, GM/T default user ID).
    public init(key: SigningKey, commonName: String, validDays: Int = 730, now: Date = Date()) throws {
        switch key {
        case .rsa, .p256:
            let privateKey: Certificate.PrivateKey
            let algorithm: Certificate.SignatureAlgorithm
            switch key {
            case .rsa(let k):
                privateKey = Certificate.PrivateKey(k.key)
                algorithm = .sha256WithRSAEncryption
            case .p256(let k):
                privateKey = Certificate.PrivateKey(k)
                algorithm = .ecdsaWithSHA256
            case .sm2, .token: throw SigningKeyError.unsupportedKey("SM2")
            }
            let name = try DistinguishedName { CommonName(commonName) }
            let cert = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: privateKey.publicKey,
                notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(Double(validDays) * 86400),
                issuer: name, subject: name, signatureAlgorithm: algorithm, extensions: Certificate.Extensions(), issuerPrivateKey: privateKey)
            var serializer = DER.Serializer()
            try serializer.serialize(cert)
            der = Data(serializer.serializedBytes)
            pem = try cert.serializeAsPEM().pemString
        case .sm2(let k):
            (pem, der) = try k.selfSignedCertificate(commonName: commonName, validDays: validDays)
        case .token(let k):
            self = try SelfSignedCertificate(tokenKey: k.key, commonName: commonName, validDays: validDays, now: now)
        }
    }

    /// Makes a certificate for a token key (RSA, P-256 or Ed25519), signed inside the token.
    public init(tokenKey: TokenKey, commonName: String, validDays: Int = 730, now: Date = Date()) throws {
        let signer = try TokenCertificateKey(key: tokenKey)
        let privateKey = Certificate.PrivateKey(signer)
        let name = try DistinguishedName { CommonName(commonName) }
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: signer.publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(Double(validDays) * 86400),
            issuer: name, subject: name, signatureAlgorithm: signer.defaultSignatureAlgorithm,
            extensions: Certificate.Extensions(), issuerPrivateKey: privateKey)
        var serializer = DER.Serializer()
        try serializer.serialize(cert)
        der = Data(serializer.serializedBytes)
        pem = try cert.serializeAsPEM().pemString
    }
}

extension SM2Key {
    func selfSignedCertificate(commonName: String, validDays: Int) throws -> (String, Data) {
        guard let x509 = X509_new() else { throw SigningKeyError.openSSL("certificate") }
        defer { X509_free(x509) }
        var serial = [UInt8](repeating: 0, count: 8)
        for i in serial.indices { serial[i] = UInt8.random(in: 0...255) }
        serial[0] &= 0x7F
        let bn = BN_bin2bn(serial, Int32(serial.count), nil)
        defer { BN_free(bn) }
        guard X509_set_version(x509, 2) == 1, BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != nil,
            X509_gmtime_adj(X509_getm_notBefore(x509), -300) != nil,
            X509_gmtime_adj(X509_getm_notAfter(x509), validDays * 86400) != nil,
            X509_set_pubkey(x509, pkey) == 1,
            let name = X509_get_subject_name(x509),
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1,
            X509_set_issuer_name(x509, name) == 1
        else { throw SigningKeyError.openSSL("certificate") }
        guard let md = EVP_MD_CTX_new() else { throw SigningKeyError.openSSL("certificate") }
        defer { EVP_MD_CTX_free(md) }
        var pctx: OpaquePointer?
        guard EVP_DigestSignInit_ex(md, &pctx, "SM3", nil, nil, pkey, nil) == 1, let pctx,
            SM2Key.defaultUserID.withUnsafeBytes({ EVP_PKEY_CTX_set1_id(pctx, $0.baseAddress, Int32($0.count)) }) == 1,
            X509_sign_ctx(x509, md) > 0
        else { throw SigningKeyError.openSSL("certificate signing") }
        var derPointer: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(x509, &derPointer)
        guard length > 0, let derPointer else { throw SigningKeyError.openSSL("certificate encoding") }
        let der = Data(bytes: derPointer, count: Int(length))
        CRYPTO_free(derPointer, #file, #line)
        let body = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return ("-----BEGIN CERTIFICATE-----\n\(body)\n-----END CERTIFICATE-----\n", der)
    }
}
