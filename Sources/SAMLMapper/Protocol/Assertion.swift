import Foundation

/// Bearer `SubjectConfirmationData`.
public struct SubjectConfirmation: Sendable, Hashable {
    public static let bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    public var method: String
    public var recipient: String?
    public var notOnOrAfter: Date?
    public var inResponseTo: String?

    public init(method: String = SubjectConfirmation.bearer, recipient: String?, notOnOrAfter: Date?, inResponseTo: String?) {
        self.method = method
        self.recipient = recipient
        self.notOnOrAfter = notOnOrAfter
        self.inResponseTo = inResponseTo
    }
}

/// `Conditions` with the audience restriction.
public struct Conditions: Sendable, Hashable {
    public var notBefore: Date?
    public var notOnOrAfter: Date?
    public var audiences: [String]

    public init(notBefore: Date?, notOnOrAfter: Date?, audiences: [String]) {
        self.notBefore = notBefore
        self.notOnOrAfter = notOnOrAfter
        self.audiences = audiences
    }
}

/// `AuthnStatement`.
public struct AuthnStatement: Sendable, Hashable {
    public var authnInstant: Date
    public var sessionIndex: String?
    public var sessionNotOnOrAfter: Date?
    public var contextClassRef: String

    public init(authnInstant: Date, sessionIndex: String?, sessionNotOnOrAfter: Date? = nil, contextClassRef: String) {
        self.authnInstant = authnInstant
        self.sessionIndex = sessionIndex
        self.sessionNotOnOrAfter = sessionNotOnOrAfter
        self.contextClassRef = contextClassRef
    }
}

/// A SAML 2.0 `Assertion`, read and written.
public struct Assertion: Sendable, Hashable {
    public var id: String
    public var issueInstant: Date
    public var issuer: String
    public var nameID: NameID
    public var subjectConfirmations: [SubjectConfirmation]
    public var conditions: Conditions?
    public var authnStatement: AuthnStatement?
    public var attributes: [SAMLAttribute]

    public init(
        id: String = SAMLIdentifier.make(), issueInstant: Date = Date(), issuer: String, nameID: NameID,
        subjectConfirmations: [SubjectConfirmation], conditions: Conditions?, authnStatement: AuthnStatement?, attributes: [SAMLAttribute]
    ) {
        self.id = id
        self.issueInstant = issueInstant
        self.issuer = issuer
        self.nameID = nameID
        self.subjectConfirmations = subjectConfirmations
        self.conditions = conditions
        self.authnStatement = authnStatement
        self.attributes = attributes
    }

    public var builder: XMLBuilder {
        var a = XMLBuilder("Assertion", .saml, attributes: [("ID", id), ("IssueInstant", SAMLTime.string(issueInstant)), ("Version", "2.0")])
        if !attributes.isEmpty { a.declarations = [.xs, .xsi] }
        a.append(issuerBuilder(issuer))
        var subject = XMLBuilder("Subject", .saml, children: [.element(nameID.builder)])
        for c in subjectConfirmations {
            let data = XMLBuilder(
                "SubjectConfirmationData", .saml,
                attributes: [
                    ("InResponseTo", c.inResponseTo), ("NotOnOrAfter", c.notOnOrAfter.map(SAMLTime.string)), ("Recipient", c.recipient),
                ])
            subject.append(XMLBuilder("SubjectConfirmation", .saml, attributes: [("Method", c.method)], children: [.element(data)]))
        }
        a.append(subject)
        if let conditions {
            var cond = XMLBuilder(
                "Conditions", .saml,
                attributes: [
                    ("NotBefore", conditions.notBefore.map(SAMLTime.string)), ("NotOnOrAfter", conditions.notOnOrAfter.map(SAMLTime.string)),
                ])
            if !conditions.audiences.isEmpty {
                cond.append(
                    XMLBuilder("AudienceRestriction", .saml, children: conditions.audiences.map { .element(XMLBuilder("Audience", .saml, text: $0)) })
                )
            }
            a.append(cond)
        }
        if let s = authnStatement {
            a.append(
                XMLBuilder(
                    "AuthnStatement", .saml,
                    attributes: [
                        ("AuthnInstant", SAMLTime.string(s.authnInstant)), ("SessionIndex", s.sessionIndex),
                        ("SessionNotOnOrAfter", s.sessionNotOnOrAfter.map(SAMLTime.string)),
                    ],
                    children: [
                        .element(
                            XMLBuilder(
                                "AuthnContext", .saml, children: [.element(XMLBuilder("AuthnContextClassRef", .saml, text: s.contextClassRef))]))
                    ]))
        }
        if !attributes.isEmpty {
            var statement = XMLBuilder("AttributeStatement", .saml)
            for attr in attributes {
                var e = XMLBuilder(
                    "Attribute", .saml, attributes: [("Name", attr.name), ("NameFormat", attr.nameFormat), ("FriendlyName", attr.friendlyName)])
                for v in attr.values {
                    var value = XMLBuilder("AttributeValue", .saml, text: v)
                    value.attribute("type", "xs:string", namespace: .xsi)
                    value.declarations = [.xs]
                    e.append(value)
                }
                statement.append(e)
            }
            a.append(statement)
        }
        return a
    }

    /// The assertion as a standalone document signed with `signer`.
    /// `xs` goes on the PrefixList so `xsi:type="xs:string"` keeps its binding.
    public func signedXML(_ signer: EnvelopedSigner) throws -> Data {
        try signer.signedXML(builder.xmlString(), inclusivePrefixes: signatureInclusivePrefixes)
    }

    /// `xs` when attribute values carry `xsi:type="xs:string"`: the prefix
    /// is used only inside an attribute value, so exc-c14n must be told.
    var signatureInclusivePrefixes: [String] { attributes.isEmpty ? [] : ["xs"] }

    /// Reads an Assertion element. Use this only on the element that
    /// `SignatureVerifier.verify` returned (or a decrypted, verified one).
    public init(element: XMLElement) throws {
        try element.expect("Assertion", XMLNamespaces.saml)
        guard element.attribute("Version") == "2.0" else { throw SAMLProtocolError.invalid("Assertion@Version") }
        id = try element.required("ID")
        issueInstant = try element.requiredDate("IssueInstant")
        guard let issuer = try element.issuerText() else { throw SAMLProtocolError.missing("Assertion/Issuer") }
        self.issuer = issuer
        guard let subject = element.firstChild("Subject", in: XMLNamespaces.saml),
            let nameIDElement = subject.firstChild("NameID", in: XMLNamespaces.saml)
        else { throw SAMLProtocolError.missing("Subject/NameID") }
        nameID = try NameID(element: nameIDElement)
        subjectConfirmations = try subject.children("SubjectConfirmation", in: XMLNamespaces.saml).map { sc in
            let data = sc.firstChild("SubjectConfirmationData", in: XMLNamespaces.saml)
            return SubjectConfirmation(
                method: try sc.required("Method"), recipient: data?.attribute("Recipient"),
                notOnOrAfter: try data?.optionalDate("NotOnOrAfter"), inResponseTo: data?.attribute("InResponseTo"))
        }
        if let c = element.firstChild("Conditions", in: XMLNamespaces.saml) {
            let audiences = try c.children("AudienceRestriction", in: XMLNamespaces.saml)
                .flatMap { $0.children("Audience", in: XMLNamespaces.saml) }.map { try $0.trimmedText() }
            conditions = Conditions(
                notBefore: try c.optionalDate("NotBefore"), notOnOrAfter: try c.optionalDate("NotOnOrAfter"), audiences: audiences)
        } else {
            conditions = nil
        }
        if let s = element.firstChild("AuthnStatement", in: XMLNamespaces.saml) {
            let ref = try s.firstChild("AuthnContext", in: XMLNamespaces.saml)?.firstChild("AuthnContextClassRef", in: XMLNamespaces.saml)?
                .trimmedText()
            authnStatement = AuthnStatement(
                authnInstant: try s.requiredDate("AuthnInstant"), sessionIndex: s.attribute("SessionIndex"),
                sessionNotOnOrAfter: try s.optionalDate("SessionNotOnOrAfter"), contextClassRef: ref ?? "")
        } else {
            authnStatement = nil
        }
        attributes = try element.children("AttributeStatement", in: XMLNamespaces.saml)
            .flatMap { $0.children("Attribute", in: XMLNamespaces.saml) }
            .map { a in
                SAMLAttribute(
                    name: try a.required("Name"), nameFormat: a.attribute("NameFormat") ?? SAMLAttribute.basicNameFormat,
                    friendlyName: a.attribute("FriendlyName"),
                    values: try a.children("AttributeValue", in: XMLNamespaces.saml).map { try $0.text() })
            }
    }
}
