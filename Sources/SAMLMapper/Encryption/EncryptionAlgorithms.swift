/// How the content key is transported to the recipient.
public enum KeyTransportAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// RSA-OAEP with SHA-1 and MGF1-SHA1: what `xmlsec1` 1.2 and most SAML SPs decrypt.
    case rsaOAEPMGF1P = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
    /// XML-Enc 1.1 RSA-OAEP; the bridge writes it with SHA-256 and an explicit MGF1-SHA256.
    case rsaOAEP = "http://www.w3.org/2009/xmlenc11#rsa-oaep"

    public var uri: String { rawValue }
}

/// Content encryption; only authenticated (GCM) modes are used.
public enum ContentEncryptionAlgorithm: String, Sendable, Hashable, CaseIterable {
    case aes256GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    case aes128GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"

    public var uri: String { rawValue }
    var keyBytes: Int { self == .aes256GCM ? 32 : 16 }
}

enum EncryptionURI {
    static let elementType = "http://www.w3.org/2001/04/xmlenc#Element"
    static let mgf1SHA256 = "http://www.w3.org/2009/xmlenc11#mgf1sha256"
    static let mgf1SHA1 = "http://www.w3.org/2009/xmlenc11#mgf1sha1"
    static let sha1 = "http://www.w3.org/2000/09/xmldsig#sha1"
    static let sha256 = "http://www.w3.org/2001/04/xmlenc#sha256"
}

/// Why an encrypted element could not be produced or opened.
public enum EncryptionError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(String)
    case algorithmNotAllowed(String)
    case keyUnwrapFailed
    case decryptionFailed
    case unsupportedKey(String)

    public var description: String {
        switch self {
        case .malformed(let why): return "encrypted element refused: \(why)"
        case .algorithmNotAllowed(let uri): return "encrypted element refused: algorithm \(uri) is not allowed"
        case .keyUnwrapFailed: return "encrypted element refused: the content key does not decrypt with our key"
        case .decryptionFailed: return "encrypted element refused: content fails authentication (tampered or wrong key)"
        case .unsupportedKey(let why): return "encryption key not usable: \(why)"
        }
    }
}
