@preconcurrency import Crypto
import Foundation
@preconcurrency import _CryptoExtras

/// Opens `saml:EncryptedAssertion` (or any element wrapping one
/// `xenc:EncryptedData` of type Element) with our RSA private key, held in
/// memory or in a PKCS#11 token.
///
/// The plaintext is parsed as a new document under the same limits; its
/// signature is checked separately with `SignatureVerifier`.
public struct AssertionDecrypter: Sendable {
    public var key: DecryptionKey
    public var allowedKeyTransport: Set<KeyTransportAlgorithm>
    public var allowedContentEncryption: Set<ContentEncryptionAlgorithm>

    public init(
        key: DecryptionKey,
        allowedKeyTransport: Set<KeyTransportAlgorithm> = Set(KeyTransportAlgorithm.allCases),
        allowedContentEncryption: Set<ContentEncryptionAlgorithm> = Set(ContentEncryptionAlgorithm.allCases)
    ) {
        self.key = key
        self.allowedKeyTransport = allowedKeyTransport
        self.allowedContentEncryption = allowedContentEncryption
    }

    public init(privateKeyPEM pem: String) throws {
        guard let key = try? _RSA.Encryption.PrivateKey(pemRepresentation: pem) else {
            throw EncryptionError.unsupportedKey("not an RSA private key PEM of 2048 bits or more")
        }
        self.init(key: .rsa(key))
    }

    /// The decrypted element's bytes.
    public func decryptedBytes(_ wrapper: XMLElement) throws -> Data {
        guard let data = wrapper.firstChild("EncryptedData", in: XMLNamespaces.xenc) else {
            throw EncryptionError.malformed("no xenc:EncryptedData")
        }
        guard let methodURI = data.firstChild("EncryptionMethod", in: XMLNamespaces.xenc)?.attribute("Algorithm") else {
            throw EncryptionError.malformed("EncryptedData without EncryptionMethod")
        }
        guard let content = ContentEncryptionAlgorithm(rawValue: methodURI), allowedContentEncryption.contains(content) else {
            throw EncryptionError.algorithmNotAllowed(methodURI)
        }
        let encryptedKey =
            data.firstChild("KeyInfo", in: XMLNamespaces.ds)?.firstChild("EncryptedKey", in: XMLNamespaces.xenc)
            ?? wrapper.firstChild("EncryptedKey", in: XMLNamespaces.xenc)
        guard let encryptedKey else { throw EncryptionError.malformed("no xenc:EncryptedKey") }
        let keyBytes = try unwrapKey(encryptedKey)
        guard keyBytes.count == content.keyBytes else { throw EncryptionError.keyUnwrapFailed }
        let cipher = try cipherValue(data)
        guard cipher.count > 28 else { throw EncryptionError.malformed("CipherValue too short for AES-GCM") }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: cipher.prefix(12)), ciphertext: cipher.dropFirst(12).dropLast(16), tag: cipher.suffix(16))
            return try AES.GCM.open(box, using: SymmetricKey(data: keyBytes))
        } catch {
            throw EncryptionError.decryptionFailed
        }
    }

    /// The decrypted element as its own document.
    public func decrypt(_ wrapper: XMLElement, limits: XMLLimits = .default) throws -> XMLDocument {
        try XMLDocument(parsing: try decryptedBytes(wrapper), limits: limits)
    }

    private func unwrapKey(_ encryptedKey: XMLElement) throws -> Data {
        guard let method = encryptedKey.firstChild("EncryptionMethod", in: XMLNamespaces.xenc),
            let uri = method.attribute("Algorithm")
        else { throw EncryptionError.malformed("EncryptedKey without EncryptionMethod") }
        guard let transport = KeyTransportAlgorithm(rawValue: uri), allowedKeyTransport.contains(transport) else {
            throw EncryptionError.algorithmNotAllowed(uri)
        }
        let digest = method.firstChild("DigestMethod", in: XMLNamespaces.ds)?.attribute("Algorithm") ?? EncryptionURI.sha1
        let sha256: Bool
        switch transport {
        case .rsaOAEPMGF1P:
            guard digest == EncryptionURI.sha1 else { throw EncryptionError.algorithmNotAllowed(digest) }
            sha256 = false
        case .rsaOAEP:
            let mgf = method.firstChild("MGF", in: XMLNamespaces.xenc11)?.attribute("Algorithm") ?? EncryptionURI.mgf1SHA1
            // swift-crypto offers OAEP only with matching digest and MGF.
            switch (digest, mgf) {
            case (EncryptionURI.sha1, EncryptionURI.mgf1SHA1): sha256 = false
            case (EncryptionURI.sha256, EncryptionURI.mgf1SHA256): sha256 = true
            default: throw EncryptionError.algorithmNotAllowed("\(digest) with \(mgf)")
            }
        }
        guard encryptedKey.firstChild("EncryptionMethod", in: XMLNamespaces.xenc)?.firstChild("OAEPparams", in: XMLNamespaces.xenc) == nil else {
            throw EncryptionError.algorithmNotAllowed("OAEPparams")
        }
        do {
            return try key.decryptOAEP(try cipherValue(encryptedKey), sha256: sha256)
        } catch {
            throw EncryptionError.keyUnwrapFailed
        }
    }

    private func cipherValue(_ element: XMLElement) throws -> Data {
        guard let value = element.firstChild("CipherData", in: XMLNamespaces.xenc)?.firstChild("CipherValue", in: XMLNamespaces.xenc),
            let bytes = SignatureVerifier.base64(try value.text())
        else { throw EncryptionError.malformed("missing or invalid CipherValue") }
        return bytes
    }
}
