@preconcurrency import Crypto
import Foundation
import X509
@preconcurrency import _CryptoExtras

/// Wraps a serialized (usually signed) Assertion into `saml:EncryptedAssertion`
/// for one relying party, whose RSA key comes from its metadata.
public struct AssertionEncrypter: Sendable {
    public var recipientKey: _RSA.Encryption.PublicKey
    public var keyTransport: KeyTransportAlgorithm
    public var contentEncryption: ContentEncryptionAlgorithm

    public init(
        recipientKey: _RSA.Encryption.PublicKey, keyTransport: KeyTransportAlgorithm = .rsaOAEPMGF1P,
        contentEncryption: ContentEncryptionAlgorithm = .aes256GCM
    ) {
        self.recipientKey = recipientKey
        self.keyTransport = keyTransport
        self.contentEncryption = contentEncryption
    }

    /// Uses the RSA key of a PEM certificate (the SP's encryption certificate).
    public init(recipientCertificatePEM pem: String, keyTransport: KeyTransportAlgorithm = .rsaOAEPMGF1P) throws {
        let cert = try Certificate(pemEncoded: pem)
        try self.init(recipientCertificate: cert, keyTransport: keyTransport)
    }

    public init(recipientCertificate cert: Certificate, keyTransport: KeyTransportAlgorithm = .rsaOAEPMGF1P) throws {
        guard let key = try? _RSA.Encryption.PublicKey(derRepresentation: cert.publicKey.subjectPublicKeyInfoBytes) else {
            throw EncryptionError.unsupportedKey("the recipient certificate has no RSA key of 2048 bits or more")
        }
        self.init(recipientKey: key, keyTransport: keyTransport)
    }

    /// The `saml:EncryptedAssertion` element (as XML text) holding `assertionXML`.
    public func encryptedAssertion(_ assertionXML: Data) throws -> String {
        try encryptedElement(assertionXML, wrapper: "EncryptedAssertion").xmlString()
    }

    /// The EncryptedAssertion as a builder, to place inside a Response.
    public func encryptedElement(_ plaintext: Data, wrapper: String) throws -> XMLBuilder {
        let contentKey = SymmetricKey(size: contentEncryption.keyBytes == 32 ? .bits256 : .bits128)
        let sealed = try AES.GCM.seal(plaintext, using: contentKey)
        // XML-Enc 1.1 GCM: CipherValue = IV || ciphertext || tag, which is
        // the sealed box's combined form with the default 12-byte nonce.
        guard let cipherValue = sealed.combined else { throw EncryptionError.malformed("AES-GCM sealed box without a combined form") }
        let keyBytes = contentKey.withUnsafeBytes { Data($0) }

        var method = XMLBuilder("EncryptionMethod", .xenc, attributes: [("Algorithm", keyTransport.uri)])
        let wrapped: Data
        switch keyTransport {
        case .rsaOAEPMGF1P:
            wrapped = try recipientKey.encrypt(keyBytes, padding: .PKCS1_OAEP)
            method.append(XMLBuilder("DigestMethod", .ds, attributes: [("Algorithm", EncryptionURI.sha1)]))
        case .rsaOAEP:
            wrapped = try recipientKey.encrypt(keyBytes, padding: .PKCS1_OAEP_SHA256)
            method.append(XMLBuilder("DigestMethod", .ds, attributes: [("Algorithm", EncryptionURI.sha256)]))
            method.append(XMLBuilder("MGF", .xenc11, attributes: [("Algorithm", EncryptionURI.mgf1SHA256)]))
        }
        let encryptedKey = XMLBuilder(
            "EncryptedKey", .xenc,
            children: [
                .element(method),
                .element(
                    XMLBuilder("CipherData", .xenc, children: [.element(XMLBuilder("CipherValue", .xenc, base64: wrapped))])),
            ])
        let encryptedData = XMLBuilder(
            "EncryptedData", .xenc, attributes: [("Type", EncryptionURI.elementType)],
            children: [
                .element(XMLBuilder("EncryptionMethod", .xenc, attributes: [("Algorithm", contentEncryption.uri)])),
                .element(XMLBuilder("KeyInfo", .ds, children: [.element(encryptedKey)])),
                .element(
                    XMLBuilder("CipherData", .xenc, children: [.element(XMLBuilder("CipherValue", .xenc, base64: cipherValue))])),
            ])
        return XMLBuilder(wrapper, .saml, children: [.element(encryptedData)])
    }
}
