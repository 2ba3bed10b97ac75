import Foundation

/// Why metadata was refused.
public enum MetadataError: Error, Sendable, Hashable, CustomStringConvertible {
    case notSPMetadata
    case expired(validUntil: Date)
    case noValidUntil
    case unsigned
    case invalidCertificate

    public var description: String {
        switch self {
        case .notSPMetadata: return "metadata refused: no SPSSODescriptor for the SAML 2.0 protocol"
        case .expired(let d): return "metadata refused: validUntil \(SAMLTime.string(d)) has passed; fetch fresh metadata"
        case .noValidUntil: return "metadata refused: it has no validUntil, and the policy requires one"
        case .unsigned: return "metadata refused: it is not signed, and the federation requires a signature"
        case .invalidCertificate: return "metadata refused: a KeyDescriptor certificate cannot be read"
        }
    }
}

/// A SAML metadata endpoint.
public struct MetadataEndpoint: Sendable, Hashable {
    public static let redirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    public static let postBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    public static let artifactBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
    public static let soapBinding = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP"

    public var binding: String
    public var location: String
    public var index: Int?
    public var isDefault: Bool?

    public init(binding: String, location: String, index: Int? = nil, isDefault: Bool? = nil) {
        self.binding = binding
        self.location = location
        self.index = index
        self.isDefault = isDefault
    }
}
