/// One SAML `Attribute` as released to a relying party.
///
/// Shared by the mapping layer (which decides names and values) and the
/// protocol layer (which writes them into an `AttributeStatement`).
public struct SAMLAttribute: Sendable, Hashable, Codable {
    public static let uriNameFormat = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
    public static let basicNameFormat = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"

    public var name: String
    public var nameFormat: String
    public var friendlyName: String?
    public var values: [String]

    public init(name: String, nameFormat: String = SAMLAttribute.basicNameFormat, friendlyName: String? = nil, values: [String]) {
        self.name = name
        self.nameFormat = nameFormat
        self.friendlyName = friendlyName
        self.values = values
    }
}
