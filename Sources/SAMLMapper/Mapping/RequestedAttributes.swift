/// A relying party's `RequestedAttribute` list, matched against the
/// registered names: what it asks for, in which form, and what it asks for
/// that the bridge has no attribute for.
public struct RequestedAttributes: Sendable, Hashable {
    /// The form each matched attribute was requested in; the Assertion answers in it.
    public var forms: [GuangdongAttribute: AttributeName]
    /// Requests that match no registered name and NameFormat.
    public var unknown: [ServiceProviderMetadata.RequestedAttribute]

    public init(_ requested: [ServiceProviderMetadata.RequestedAttribute]) {
        var forms: [GuangdongAttribute: AttributeName] = [:]
        var unknown: [ServiceProviderMetadata.RequestedAttribute] = []
        for request in requested {
            if let (attribute, form) = GuangdongAttribute.resolve(name: request.name, nameFormat: request.nameFormat) {
                // Two forms of one attribute: the first listed is answered.
                if forms[attribute] == nil { forms[attribute] = form }
            } else {
                unknown.append(request)
            }
        }
        self.forms = forms
        self.unknown = unknown
    }

    /// The platform names of the matched attributes, as the privacy policy writes them.
    public var names: Set<String> { Set(forms.keys.map(\.rawValue)) }

    /// How the relying party wrote `attribute`, or its platform name when it did not request it.
    public func form(of attribute: GuangdongAttribute) -> AttributeName {
        forms[attribute] ?? attribute.registeredNames[0]
    }
}
