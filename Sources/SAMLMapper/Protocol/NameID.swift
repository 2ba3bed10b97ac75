/// A SAML `NameID`; the value is a pseudonym, never a personal identifier in clear.
public struct NameID: Sendable, Hashable {
    public static let persistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    public static let transient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    public static let unspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    public static let entity = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"

    public var value: String
    public var format: String?
    public var nameQualifier: String?
    public var spNameQualifier: String?

    public init(value: String, format: String? = NameID.persistent, nameQualifier: String? = nil, spNameQualifier: String? = nil) {
        self.value = value
        self.format = format
        self.nameQualifier = nameQualifier
        self.spNameQualifier = spNameQualifier
    }

    public var builder: XMLBuilder {
        XMLBuilder(
            "NameID", .saml, text: value,
            attributes: [
                ("Format", format), ("NameQualifier", nameQualifier), ("SPNameQualifier", spNameQualifier),
            ])
    }

    /// Reads the whole text; a comment inside the value cannot truncate it.
    public init(element: XMLElement) throws {
        try element.expect("NameID", XMLNamespaces.saml)
        value = try element.text()
        format = element.attribute("Format")
        nameQualifier = element.attribute("NameQualifier")
        spNameQualifier = element.attribute("SPNameQualifier")
    }
}
