@preconcurrency import Crypto
import Foundation

/// XML-DSig signature methods the bridge knows, by URI.
///
/// SM2-SM3 has no W3C or IETF registered URI; the bridge names it by its OID
/// (GM/T 0006: SM2 signature with SM3 is 1.2.156.10197.1.501) as a `urn:oid`
/// URI, which peers configure explicitly. See docs/profile.md.
public enum SignatureAlgorithm: String, Sendable, Hashable, CaseIterable {
    case rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    case rsaSHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
    case rsaSHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
    case rsaPSSSHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
    case ecdsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    case sm2SM3 = "urn:oid:1.2.156.10197.1.501"
    /// Legacy; refused unless the policy allows SHA-1.
    case rsaSHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"

    public var uri: String { rawValue }

    var usesSHA1: Bool { self == .rsaSHA1 }
}

/// XML-DSig digest methods, by URI.
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    case sha256 = "http://www.w3.org/2001/04/xmlenc#sha256"
    case sha384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
    case sha512 = "http://www.w3.org/2001/04/xmlenc#sha512"
    /// Legacy; refused unless the policy allows SHA-1.
    case sha1 = "http://www.w3.org/2000/09/xmldsig#sha1"

    public var uri: String { rawValue }

    public func digest(_ data: Data) -> Data {
        switch self {
        case .sha256: return Data(SHA256.hash(data: data))
        case .sha384: return Data(SHA384.hash(data: data))
        case .sha512: return Data(SHA512.hash(data: data))
        case .sha1: return Data(Insecure.SHA1.hash(data: data))
        }
    }
}

/// Transform URIs the SAML signature profile allows.
public enum TransformURI {
    public static let envelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    public static let xpath = "http://www.w3.org/TR/1999/REC-xpath-19991116"
}
