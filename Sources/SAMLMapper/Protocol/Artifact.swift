@preconcurrency import Crypto
import Foundation

/// A SAML 2.0 type 0x0004 artifact: TypeCode, EndpointIndex, SourceID, MessageHandle.
///
/// SourceID is SHA-1 of the issuer's entityID because SAML bindings §3.6.4
/// defines it so; it is an identifier, not a security function.
public struct SAMLArtifact: Sendable, Hashable {
    public var endpointIndex: UInt16
    public var sourceID: Data
    public var messageHandle: Data

    public init(entityID: String, endpointIndex: UInt16 = 0, messageHandle: Data? = nil) {
        self.endpointIndex = endpointIndex
        self.sourceID = Data(Insecure.SHA1.hash(data: Data(entityID.utf8)))
        var generator = SystemRandomNumberGenerator()
        self.messageHandle = messageHandle ?? Data((0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Parses the base64 `SAMLart` value.
    public init(encoded: String) throws {
        guard let raw = Data(base64Encoded: encoded), raw.count == 44, raw[raw.startIndex] == 0, raw[raw.startIndex + 1] == 4 else {
            throw SAMLProtocolError.invalid("SAMLart (not a 44-byte type 0x0004 artifact)")
        }
        let bytes = Array(raw)
        endpointIndex = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        sourceID = Data(bytes[4..<24])
        messageHandle = Data(bytes[24..<44])
    }

    public var encoded: String {
        var bytes: [UInt8] = [0, 4, UInt8(endpointIndex >> 8), UInt8(endpointIndex & 0xFF)]
        bytes += sourceID
        bytes += messageHandle
        return Data(bytes).base64EncodedString()
    }

    /// Whether this artifact was issued by `entityID`.
    public func isIssued(by entityID: String) -> Bool {
        sourceID == Data(Insecure.SHA1.hash(data: Data(entityID.utf8)))
    }
}

/// `samlp:ArtifactResolve`, sent in a SOAP 1.1 envelope.
public struct ArtifactResolve: Sendable, Hashable {
    public var id: String
    public var issueInstant: Date
    public var destination: String?
    public var issuer: String
    public var artifact: String

    public init(id: String = SAMLIdentifier.make(), issueInstant: Date = Date(), destination: String?, issuer: String, artifact: String) {
        self.id = id
        self.issueInstant = issueInstant
        self.destination = destination
        self.issuer = issuer
        self.artifact = artifact
    }

    public var builder: XMLBuilder {
        XMLBuilder(
            "ArtifactResolve", .samlp,
            attributes: [
                ("ID", id), ("Version", "2.0"), ("IssueInstant", SAMLTime.string(issueInstant)), ("Destination", destination),
            ], children: [.element(issuerBuilder(issuer)), .element(XMLBuilder("Artifact", .samlp, text: artifact))])
    }

    public init(element: XMLElement) throws {
        try element.expect("ArtifactResolve", XMLNamespaces.samlp)
        id = try element.required("ID")
        issueInstant = try element.requiredDate("IssueInstant")
        destination = element.attribute("Destination")
        guard let issuer = try element.issuerText() else { throw SAMLProtocolError.missing("ArtifactResolve/Issuer") }
        self.issuer = issuer
        guard let a = element.firstChild("Artifact", in: XMLNamespaces.samlp) else { throw SAMLProtocolError.missing("Artifact") }
        artifact = try a.trimmedText()
    }
}

/// `samlp:ArtifactResponse` carrying one serialized, already protected message.
public struct ArtifactResponse: Sendable, Hashable {
    public var id: String
    public var inResponseTo: String
    public var issueInstant: Date
    public var issuer: String
    public var status: SAMLStatus
    /// The resolved message (e.g. a signed Response) as self-contained XML.
    public var message: Data?

    public init(
        id: String = SAMLIdentifier.make(), inResponseTo: String, issueInstant: Date = Date(), issuer: String, status: SAMLStatus = SAMLStatus(),
        message: Data?
    ) {
        self.id = id
        self.inResponseTo = inResponseTo
        self.issueInstant = issueInstant
        self.issuer = issuer
        self.status = status
        self.message = message
    }

    public var builder: XMLBuilder {
        var r = XMLBuilder(
            "ArtifactResponse", .samlp,
            attributes: [
                ("ID", id), ("InResponseTo", inResponseTo), ("Version", "2.0"), ("IssueInstant", SAMLTime.string(issueInstant)),
            ])
        r.append(issuerBuilder(issuer))
        r.append(status.builder)
        if let message { r.appendRaw(SOAPEnvelope.stripDeclaration(String(decoding: message, as: UTF8.self))) }
        return r
    }

    /// Reads the header; `messageElement` returns the carried message element.
    public init(element: XMLElement) throws {
        try element.expect("ArtifactResponse", XMLNamespaces.samlp)
        id = try element.required("ID")
        inResponseTo = try element.required("InResponseTo")
        issueInstant = try element.requiredDate("IssueInstant")
        issuer = try element.issuerText() ?? ""
        guard let s = element.firstChild("Status", in: XMLNamespaces.samlp) else { throw SAMLProtocolError.missing("Status") }
        status = try SAMLStatus(element: s)
        message = try ArtifactResponse.messageElement(in: element).map { try $0.standaloneXML() }
    }

    public static func messageElement(in element: XMLElement) -> XMLElement? {
        element.childElements.first {
            !$0.isNamed("Issuer", in: XMLNamespaces.saml) && !$0.isNamed("Signature", in: XMLNamespaces.ds)
                && !$0.isNamed("Status", in: XMLNamespaces.samlp) && !$0.isNamed("Extensions", in: XMLNamespaces.samlp)
        }
    }
}

/// SOAP 1.1 envelope for the SAML SOAP binding.
public enum SOAPEnvelope {
    public static func wrap(_ body: String) -> String {
        XMLBuilder("Envelope", .soap, children: [.element(XMLBuilder("Body", .soap, children: [.raw(stripDeclaration(body))]))]).xmlString(
            declaration: true)
    }

    /// The single element inside `soap11:Body`.
    public static func bodyElement(of document: XMLDocument) throws -> XMLElement {
        let root = document.root
        try root.expect("Envelope", XMLNamespaces.soap11)
        guard let body = root.firstChild("Body", in: XMLNamespaces.soap11) else { throw SAMLProtocolError.missing("soap11:Body") }
        let children = body.childElements
        guard children.count == 1 else { throw SAMLProtocolError.invalid("soap11:Body must hold exactly one element") }
        return children[0]
    }

    /// The message without its XML declaration and the white space around
    /// it. Scans UTF-8 bytes: a signed Response is ~15 KB, and Foundation's
    /// trimming walks it as UTF-16.
    static func stripDeclaration(_ xml: String) -> String {
        let bytes = xml.utf8
        guard xml.hasPrefix("<?xml"), let end = xml.utf8.firstRange(of: "?>".utf8) else { return xml }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var start = end.upperBound
        var stop = bytes.endIndex
        while start < stop, isSpace(bytes[start]) { start = bytes.index(after: start) }
        while stop > start, isSpace(bytes[bytes.index(before: stop)]) { stop = bytes.index(before: stop) }
        return String(xml[start..<stop])
    }
}
