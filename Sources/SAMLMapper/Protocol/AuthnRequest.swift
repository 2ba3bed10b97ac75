import Foundation

/// A SAML 2.0 `samlp:AuthnRequest`, read from a (verified) element or written.
public struct AuthnRequest: Sendable, Hashable {
    public struct NameIDPolicy: Sendable, Hashable {
        public var format: String?
        public var allowCreate: Bool?
        public var spNameQualifier: String?

        public init(format: String?, allowCreate: Bool? = nil, spNameQualifier: String? = nil) {
            self.format = format
            self.allowCreate = allowCreate
            self.spNameQualifier = spNameQualifier
        }
    }

    public struct RequestedAuthnContext: Sendable, Hashable {
        public enum Comparison: String, Sendable, Hashable { case exact, minimum, maximum, better }
        public var comparison: Comparison
        public var classRefs: [String]

        public init(comparison: Comparison = .exact, classRefs: [String]) {
            self.comparison = comparison
            self.classRefs = classRefs
        }
    }

    public var id: String
    public var version: String
    public var issueInstant: Date
    public var destination: String?
    public var issuer: String?
    public var assertionConsumerServiceURL: String?
    public var assertionConsumerServiceIndex: Int?
    public var protocolBinding: String?
    public var forceAuthn: Bool
    public var isPassive: Bool
    public var providerName: String?
    public var nameIDPolicy: NameIDPolicy?
    public var requestedAuthnContext: RequestedAuthnContext?
    /// Each child of `samlp:Extensions` as standalone XML, exactly as signed,
    /// so a caller can parse claimed values from it.
    public var extensions: [Data]

    public init(
        id: String = SAMLIdentifier.make(), issueInstant: Date = Date(), destination: String?, issuer: String,
        assertionConsumerServiceURL: String? = nil, assertionConsumerServiceIndex: Int? = nil, protocolBinding: String? = nil,
        forceAuthn: Bool = false, isPassive: Bool = false, providerName: String? = nil,
        nameIDPolicy: NameIDPolicy? = nil, requestedAuthnContext: RequestedAuthnContext? = nil, extensions: [Data] = []
    ) {
        self.id = id
        self.version = "2.0"
        self.issueInstant = issueInstant
        self.destination = destination
        self.issuer = issuer
        self.assertionConsumerServiceURL = assertionConsumerServiceURL
        self.assertionConsumerServiceIndex = assertionConsumerServiceIndex
        self.protocolBinding = protocolBinding
        self.forceAuthn = forceAuthn
        self.isPassive = isPassive
        self.providerName = providerName
        self.nameIDPolicy = nameIDPolicy
        self.requestedAuthnContext = requestedAuthnContext
        self.extensions = extensions
    }

    public init(element: XMLElement) throws {
        try element.expect("AuthnRequest", XMLNamespaces.samlp)
        id = try element.required("ID")
        version = try element.required("Version")
        issueInstant = try element.requiredDate("IssueInstant")
        destination = element.attribute("Destination")
        issuer = try element.issuerText()
        assertionConsumerServiceURL = element.attribute("AssertionConsumerServiceURL")
        if let index = element.attribute("AssertionConsumerServiceIndex") {
            guard let i = Int(index), (0...65535).contains(i) else { throw SAMLProtocolError.invalid("AssertionConsumerServiceIndex") }
            assertionConsumerServiceIndex = i
        } else {
            assertionConsumerServiceIndex = nil
        }
        protocolBinding = element.attribute("ProtocolBinding")
        forceAuthn = ["true", "1"].contains(element.attribute("ForceAuthn") ?? "")
        isPassive = ["true", "1"].contains(element.attribute("IsPassive") ?? "")
        providerName = element.attribute("ProviderName")
        if let p = element.firstChild("NameIDPolicy", in: XMLNamespaces.samlp) {
            nameIDPolicy = NameIDPolicy(
                format: p.attribute("Format"), allowCreate: p.attribute("AllowCreate").map { $0 == "true" || $0 == "1" },
                spNameQualifier: p.attribute("SPNameQualifier"))
        } else {
            nameIDPolicy = nil
        }
        if let r = element.firstChild("RequestedAuthnContext", in: XMLNamespaces.samlp) {
            let raw = r.attribute("Comparison") ?? "exact"
            guard let comparison = RequestedAuthnContext.Comparison(rawValue: raw) else {
                throw SAMLProtocolError.invalid("RequestedAuthnContext@Comparison")
            }
            requestedAuthnContext = RequestedAuthnContext(
                comparison: comparison, classRefs: try r.children("AuthnContextClassRef", in: XMLNamespaces.saml).map { try $0.trimmedText() })
        } else {
            requestedAuthnContext = nil
        }
        extensions = try element.firstChild("Extensions", in: XMLNamespaces.samlp)?.childElements.map { try $0.standaloneXML() } ?? []
    }

    public var builder: XMLBuilder {
        var r = XMLBuilder(
            "AuthnRequest", .samlp,
            attributes: [
                ("ID", id), ("Version", version), ("IssueInstant", SAMLTime.string(issueInstant)), ("Destination", destination),
                ("AssertionConsumerServiceURL", assertionConsumerServiceURL),
                ("AssertionConsumerServiceIndex", assertionConsumerServiceIndex.map(String.init)),
                ("ProtocolBinding", protocolBinding), ("ForceAuthn", forceAuthn ? "true" : nil), ("IsPassive", isPassive ? "true" : nil),
                ("ProviderName", providerName),
            ])
        if let issuer { r.append(issuerBuilder(issuer)) }
        if !extensions.isEmpty {
            r.append(XMLBuilder("Extensions", .samlp, children: extensions.map { .raw(String(decoding: $0, as: UTF8.self)) }))
        }
        if let p = nameIDPolicy {
            r.append(
                XMLBuilder(
                    "NameIDPolicy", .samlp,
                    attributes: [
                        ("Format", p.format), ("SPNameQualifier", p.spNameQualifier), ("AllowCreate", p.allowCreate.map { $0 ? "true" : "false" }),
                    ]))
        }
        if let c = requestedAuthnContext {
            r.append(
                XMLBuilder(
                    "RequestedAuthnContext", .samlp, attributes: [("Comparison", c.comparison.rawValue)],
                    children: c.classRefs.map { .element(XMLBuilder("AuthnContextClassRef", .saml, text: $0)) }))
        }
        return r
    }
}
