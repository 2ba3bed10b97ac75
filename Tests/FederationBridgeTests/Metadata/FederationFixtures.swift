import Foundation
import SAMLMapper
import Testing

@testable import FederationBridge

/// Partner metadata made by independent implementations: SP descriptors
/// written by pysaml2 (committed, with their generator, under
/// `Tests/Fixtures/partners`), federation keys made by the openssl CLI, and
/// aggregates signed by `xmlsec1`. Our own code only reads them.
struct FederationFixtures {
    static let directory: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/", !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("Tests/Fixtures/partners")
    }()

    static let oidEntityID = "https://oid.partner.example.cn/sp"
    static let secondEntityID = "https://second.partner.example.cn/sp"

    /// A pysaml2 `EntityDescriptor` without its XML declaration, ready to nest.
    static func entity(_ name: String, validUntil: Date? = nil) throws -> String {
        var xml = try String(contentsOf: directory.appendingPathComponent("\(name).xml"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if xml.hasPrefix("<?xml"), let end = xml.range(of: "?>") { xml = String(xml[end.upperBound...]) }
        if let validUntil {
            xml = xml.replacingOccurrences(
                of: " entityID=", with: " validUntil=\"\(SAMLTime.string(validUntil))\" entityID=", options: [], range: xml.range(of: " entityID="))
        }
        return xml
    }

    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fb-partners-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: scratch) }

    /// A federation signing key and certificate made by `openssl req`; returns the certificate PEM.
    func federationKey(_ name: String) throws -> String {
        let tool = try #require(ExternalToolTests.tool("openssl"), "openssl is installed by scripts/test.sh")
        let result = try ExternalToolTests.run(
            tool,
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).crt"),
                "-days", "30", "-subj", "/CN=\(name)",
            ])
        #expect(result.status == 0, "openssl: \(result.output)")
        return try String(contentsOfFile: path("\(name).crt"), encoding: .utf8)
    }

    func path(_ name: String) -> String { scratch.appendingPathComponent(name).path }

    /// `md:EntitiesDescriptor` around `content`, with the Signature template xmlsec1 fills in.
    static func aggregate(id: String, content: String, validUntil: Date?, cacheDuration: String? = nil, name: String = "urn:example:federation")
        -> String
    {
        let attributes = [
            "ID=\"\(id)\"", "Name=\"\(name)\"", validUntil.map { "validUntil=\"\(SAMLTime.string($0))\"" },
            cacheDuration.map { "cacheDuration=\"\($0)\"" },
        ].compactMap { $0 }.joined(separator: " ")
        return """
            <md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" \(attributes)>\
            \(signatureTemplate(id: id, prefix: "ds", declare: true))\(content)</md:EntitiesDescriptor>
            """
    }

    /// A nested, unsigned group.
    static func group(_ content: String, validUntil: Date? = nil, cacheDuration: String? = nil) -> String {
        let attributes = [validUntil.map { " validUntil=\"\(SAMLTime.string($0))\"" }, cacheDuration.map { " cacheDuration=\"\($0)\"" }]
            .compactMap { $0 }.joined()
        return "<md:EntitiesDescriptor\(attributes)>\(content)</md:EntitiesDescriptor>"
    }

    /// A single `EntityDescriptor` with an `ID` and a Signature template, for the metadata query responder.
    static func signableEntity(_ name: String, id: String, validUntil: Date, cacheDuration: String? = nil) throws -> String {
        var xml = try entity(name, validUntil: validUntil)
        let head = " ID=\"\(id)\"" + (cacheDuration.map { " cacheDuration=\"\($0)\"" } ?? "")
        xml = xml.replacingOccurrences(of: " validUntil=", with: head + " validUntil=", options: [], range: xml.range(of: " validUntil="))
        guard let close = xml.range(of: ">") else { return xml }
        let signature = signatureTemplate(id: id, prefix: "ns1", declare: false)
        xml.insert(contentsOf: signature, at: close.upperBound)
        return xml
    }

    /// An empty enveloped Signature over `#id` (RSA-SHA256, exclusive c14n) for xmlsec1 to fill in.
    static func signatureTemplate(id: String, prefix p: String, declare: Bool) -> String {
        let namespace = declare ? " xmlns:\(p)=\"http://www.w3.org/2000/09/xmldsig#\"" : ""
        return """
            <\(p):Signature\(namespace)><\(p):SignedInfo>\
            <\(p):CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
            <\(p):SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>\
            <\(p):Reference URI="#\(id)"><\(p):Transforms>\
            <\(p):Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
            <\(p):Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
            </\(p):Transforms><\(p):DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><\(p):DigestValue/></\(p):Reference>\
            </\(p):SignedInfo><\(p):SignatureValue/></\(p):Signature>
            """
    }

    /// Signs `template` with xmlsec1 and the key `keyName` made by `federationKey`.
    func sign(_ template: String, keyName: String, element: String = "EntitiesDescriptor") throws -> Data {
        let tool = try #require(ExternalToolTests.tool("xmlsec1"), "xmlsec1 is installed by scripts/test.sh")
        let input = path("template-\(UUID().uuidString).xml")
        let output = input + ".signed"
        try Data(template.utf8).write(to: URL(fileURLWithPath: input))
        let result = try ExternalToolTests.run(
            tool,
            [
                "--sign", "--privkey-pem", path("\(keyName).key"), "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:metadata:\(element)",
                "--output", output, input,
            ])
        #expect(result.status == 0, "xmlsec1 --sign: \(result.output)")
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }
}
