import Foundation

/// `samlp:LogoutRequest`.
public struct LogoutRequest: Sendable, Hashable {
    public var id: String
    public var issueInstant: Date
    public var destination: String?
    public var issuer: String
    public var nameID: NameID
    public var sessionIndexes: [String]
    public var notOnOrAfter: Date?

    public init(
        id: String = SAMLIdentifier.make(), issueInstant: Date = Date(), destination: String?, issuer: String, nameID: NameID,
        sessionIndexes: [String], notOnOrAfter: Date? = nil
    ) {
        self.id = id
        self.issueInstant = issueInstant
        self.destination = destination
        self.issuer = issuer
        self.nameID = nameID
        self.sessionIndexes = sessionIndexes
        self.notOnOrAfter = notOnOrAfter
    }

    public var builder: XMLBuilder {
        var r = XMLBuilder(
            "LogoutRequest", .samlp,
            attributes: [
                ("ID", id), ("Version", "2.0"), ("IssueInstant", SAMLTime.string(issueInstant)), ("Destination", destination),
                ("NotOnOrAfter", notOnOrAfter.map(SAMLTime.string)),
            ])
        r.append(issuerBuilder(issuer))
        r.append(nameID.builder)
        r.append(sessionIndexes.map { XMLBuilder("SessionIndex", .samlp, text: $0) })
        return r
    }

    public init(element: XMLElement) throws {
        try element.expect("LogoutRequest", XMLNamespaces.samlp)
        guard element.attribute("Version") == "2.0" else { throw SAMLProtocolError.invalid("LogoutRequest@Version") }
        id = try element.required("ID")
        issueInstant = try element.requiredDate("IssueInstant")
        destination = element.attribute("Destination")
        guard let issuer = try element.issuerText() else { throw SAMLProtocolError.missing("LogoutRequest/Issuer") }
        self.issuer = issuer
        guard let n = element.firstChild("NameID", in: XMLNamespaces.saml) else { throw SAMLProtocolError.missing("LogoutRequest/NameID") }
        nameID = try NameID(element: n)
        sessionIndexes = try element.children("SessionIndex", in: XMLNamespaces.samlp).map { try $0.trimmedText() }
        notOnOrAfter = try element.optionalDate("NotOnOrAfter")
    }
}

/// `samlp:LogoutResponse`.
public struct LogoutResponse: Sendable, Hashable {
    public var id: String
    public var inResponseTo: String?
    public var issueInstant: Date
    public var destination: String?
    public var issuer: String
    public var status: SAMLStatus

    public init(
        id: String = SAMLIdentifier.make(), inResponseTo: String?, issueInstant: Date = Date(), destination: String?, issuer: String,
        status: SAMLStatus = SAMLStatus()
    ) {
        self.id = id
        self.inResponseTo = inResponseTo
        self.issueInstant = issueInstant
        self.destination = destination
        self.issuer = issuer
        self.status = status
    }

    public var builder: XMLBuilder {
        var r = XMLBuilder(
            "LogoutResponse", .samlp,
            attributes: [
                ("ID", id), ("InResponseTo", inResponseTo), ("Version", "2.0"), ("IssueInstant", SAMLTime.string(issueInstant)),
                ("Destination", destination),
            ])
        r.append(issuerBuilder(issuer))
        r.append(status.builder)
        return r
    }

    public init(element: XMLElement) throws {
        try element.expect("LogoutResponse", XMLNamespaces.samlp)
        id = try element.required("ID")
        inResponseTo = element.attribute("InResponseTo")
        issueInstant = try element.requiredDate("IssueInstant")
        destination = element.attribute("Destination")
        issuer = try element.issuerText() ?? ""
        guard let s = element.firstChild("Status", in: XMLNamespaces.samlp) else { throw SAMLProtocolError.missing("Status") }
        status = try SAMLStatus(element: s)
    }
}
