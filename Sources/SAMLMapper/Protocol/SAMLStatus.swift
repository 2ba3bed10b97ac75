/// A SAML `Status`: top-level code, optional second-level code and message.
public struct SAMLStatus: Sendable, Hashable {
    public static let success = "urn:oasis:names:tc:SAML:2.0:status:Success"
    public static let requester = "urn:oasis:names:tc:SAML:2.0:status:Requester"
    public static let responder = "urn:oasis:names:tc:SAML:2.0:status:Responder"
    public static let versionMismatch = "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch"
    public static let authnFailed = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
    public static let noAuthnContext = "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext"
    public static let invalidNameIDPolicy = "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy"
    public static let requestDenied = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
    public static let noPassive = "urn:oasis:names:tc:SAML:2.0:status:NoPassive"
    public static let requestUnsupported = "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported"
    public static let unknownPrincipal = "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal"
    public static let partialLogout = "urn:oasis:names:tc:SAML:2.0:status:PartialLogout"

    public var code: String
    public var subCode: String?
    public var message: String?

    public init(code: String = SAMLStatus.success, subCode: String? = nil, message: String? = nil) {
        self.code = code
        self.subCode = subCode
        self.message = message
    }

    public var isSuccess: Bool { code == Self.success }

    public var builder: XMLBuilder {
        var top = XMLBuilder("StatusCode", .samlp, attributes: [("Value", code)])
        if let subCode { top.append(XMLBuilder("StatusCode", .samlp, attributes: [("Value", subCode)])) }
        var status = XMLBuilder("Status", .samlp, children: [.element(top)])
        if let message { status.append(XMLBuilder("StatusMessage", .samlp, text: message)) }
        return status
    }

    public init(element: XMLElement) throws {
        try element.expect("Status", XMLNamespaces.samlp)
        guard let top = element.firstChild("StatusCode", in: XMLNamespaces.samlp) else { throw SAMLProtocolError.missing("StatusCode") }
        code = try top.required("Value")
        subCode = top.firstChild("StatusCode", in: XMLNamespaces.samlp)?.attribute("Value")
        message = try element.firstChild("StatusMessage", in: XMLNamespaces.samlp)?.text()
    }
}
