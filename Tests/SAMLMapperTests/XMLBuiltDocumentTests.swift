import Foundation
import Testing

@testable import SAMLMapper

/// A document built as libxml2 nodes must read back exactly like the same
/// builder written as text and parsed: same names, namespaces, attribute
/// values and text, whatever characters the values hold.
@Suite struct XMLBuiltDocumentTests {
    /// Values a resident or partner can put into a Response: markup, white
    /// space a parser would normalise, characters XML forbids, CJK, astral.
    static let awkwardValues = [
        "a&b<c>d\"e'f", "line\nbreak\ttab\r\nreturn", "nul\u{0}ctl\u{1}\u{1F}", "\u{FFFE}\u{FFFF}\u{EFBF}", "陳大文 \u{1F600}", "]]>", "",
        "  spaced  ",
    ]

    func builder(_ value: String) -> XMLBuilder {
        var root = XMLBuilder("Response", .samlp, attributes: [("ID", "_r1"), ("Destination", value)])
        var lang = XMLBuilder("Issuer", .saml, text: value)
        lang.attribute("lang", value, namespace: XMLNamespace(prefix: "xml", uri: XMLNamespaces.xml))
        root.append(lang)
        var typed = XMLBuilder("AttributeValue", .saml, text: value)
        typed.attribute("type", "xs:string", namespace: .xsi)
        typed.declarations = [.xs]
        root.append(XMLBuilder("Attribute", .saml, attributes: [("Name", value)], children: [.element(typed)]))
        root.append(XMLBuilder("CipherValue", .xenc, base64: Data(value.utf8)))
        return root
    }

    @Test(arguments: awkwardValues)
    func aBuiltDocumentReadsBackLikeTheParsedText(_ value: String) throws {
        let parsed = try XMLDocument(parsing: Data(builder(value).xmlString().utf8))
        let built = try XMLDocument(building: builder(value))
        let reread = try XMLDocument(parsing: try built.serialized())
        for document in [built, reread] {
            #expect(try document.root.canonicalized(.inclusive()) == (try parsed.root.canonicalized(.inclusive())))
            #expect(try document.root.canonicalized(.exclusive()) == (try parsed.root.canonicalized(.exclusive())))
        }
        #expect(reread.root.attribute("Destination") == parsed.root.attribute("Destination"))
        #expect(reread.element(withID: "_r1") != nil)
    }

    @Test func rawChildrenAreRefusedRatherThanParsed() {
        var root = XMLBuilder("Response", .samlp)
        root.appendRaw("<saml:Assertion xmlns:saml=\"\(XMLNamespaces.saml)\"/>")
        #expect(throws: XMLSecurityError.self) { try XMLDocument(building: root) }
    }

    @Test func aRepeatedIDIsRefusedAsInAParsedDocument() {
        var root = XMLBuilder("Response", .samlp, attributes: [("ID", "_same")])
        root.append(XMLBuilder("Assertion", .saml, attributes: [("ID", "_same")]))
        #expect(throws: XMLSecurityError.duplicateID("_same")) { try XMLDocument(building: root) }
    }
}
