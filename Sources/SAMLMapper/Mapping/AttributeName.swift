/// One way an attribute's name is written: the SAML `Name` with its `NameFormat`.
///
/// Relying parties name the same attribute differently: the platform's short
/// `basic` names, or the `urn:oid:` names (NameFormat `uri`) that common SP
/// software requests by default. Each `GuangdongAttribute` lists the forms
/// registered for it; a requested form is matched here and answered in kind.
public struct AttributeName: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified`, also what an absent NameFormat means (SAML core §2.7.3.1).
    public static let unspecifiedNameFormat = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"

    public var name: String
    public var nameFormat: String
    public var friendlyName: String?

    public init(name: String, nameFormat: String, friendlyName: String? = nil) {
        self.name = name
        self.nameFormat = nameFormat
        self.friendlyName = friendlyName
    }

    static func basic(_ name: String) -> AttributeName {
        AttributeName(name: name, nameFormat: SAMLAttribute.basicNameFormat)
    }

    static func uri(_ name: String, friendly: String) -> AttributeName {
        AttributeName(name: name, nameFormat: SAMLAttribute.uriNameFormat, friendlyName: friendly)
    }

    /// `Name` followed by the NameFormat's last word, e.g. `urn:oid:2.5.4.3 (uri)`: for logs and reports.
    public var description: String {
        "\(name) (\(nameFormat.split(separator: ":").last.map(String.init) ?? nameFormat))"
    }
}

extension GuangdongAttribute {
    /// The forms a relying party may request this attribute by; the first is
    /// the platform's own and is what the bridge writes unless asked otherwise.
    ///
    /// `urn:oid:` names appear only where a registered attribute type means
    /// the same thing with the same value syntax: `cn` is X.520 commonName
    /// (2.5.4.3) and `sex` carries GB/T 2261.1 codes, which are the ISO/IEC
    /// 5218 codes of SCHAC `schacGender` (1.3.6.1.4.1.25178.1.2.2).
    public var registeredNames: [AttributeName] {
        switch self {
        case .chineseName: [.basic(rawValue), .uri("urn:oid:2.5.4.3", friendly: "cn")]
        case .sex: [.basic(rawValue), .uri("urn:oid:1.3.6.1.4.1.25178.1.2.2", friendly: "schacGender")]
        case .pairwiseID: [.uri(rawValue, friendly: "pairwise-id")]
        default: [.basic(rawValue)]
        }
    }

    /// The attribute a relying party means by `name` written in `nameFormat`,
    /// and the registered form to answer in; `nil` when no registered form
    /// matches. A `basic` or `uri` request matches only forms with that
    /// NameFormat; an absent or `unspecified` one matches by `Name` alone.
    public static func resolve(name: String, nameFormat: String?) -> (attribute: GuangdongAttribute, form: AttributeName)? {
        let anyFormat = nameFormat == nil || nameFormat == AttributeName.unspecifiedNameFormat
        for attribute in allCases {
            if let form = attribute.registeredNames.first(where: { $0.name == name && (anyFormat || $0.nameFormat == nameFormat) }) {
                return (attribute, form)
            }
        }
        return nil
    }
}
