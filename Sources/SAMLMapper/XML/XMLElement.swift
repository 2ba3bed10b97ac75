import CLibXML2
import Foundation

/// One element inside an `XMLDocument`; it keeps its document alive.
///
/// Two values are the same element when `isSameNode` says so; the signature
/// verifier relies on that identity to stop signature-wrapping attacks.
public struct XMLElement {
    let node: xmlNodePtr
    public let document: XMLDocument

    init(node: xmlNodePtr, document: XMLDocument) {
        self.node = node
        self.document = document
    }

    public var localName: String { node.pointee.name.map { String(cString: $0) } ?? "" }

    public var namespaceURI: String? { node.pointee.ns?.pointee.href.map { String(cString: $0) } }

    public var prefix: String? { node.pointee.ns?.pointee.prefix.map { String(cString: $0) } }

    /// `prefix:localName` as written, for messages.
    public var qualifiedName: String { prefix.map { "\($0):\(localName)" } ?? localName }

    public func isSameNode(_ other: XMLElement) -> Bool { node == other.node }

    public func isNamed(_ localName: String, in namespace: String?) -> Bool {
        self.localName == localName && namespaceURI == namespace
    }

    /// The value of an attribute, matched by local name and namespace (nil: no namespace).
    public func attribute(_ name: String, namespace: String? = nil) -> String? {
        var attr = node.pointee.properties
        while let a = attr {
            let attrNS = a.pointee.ns?.pointee.href.map { String(cString: $0) }
            if let n = a.pointee.name, String(cString: n) == name, attrNS == namespace {
                return XMLDocument.content(of: UnsafeMutableRawPointer(a).assumingMemoryBound(to: xmlNode.self))
            }
            attr = a.pointee.next
        }
        return nil
    }

    /// All attributes as (namespace, local name, value).
    public var attributes: [(namespace: String?, name: String, value: String)] {
        var result: [(namespace: String?, name: String, value: String)] = []
        var attr = node.pointee.properties
        while let a = attr {
            let attrNS = a.pointee.ns?.pointee.href.map { String(cString: $0) }
            let name = a.pointee.name.map { String(cString: $0) } ?? ""
            let value = XMLDocument.content(of: UnsafeMutableRawPointer(a).assumingMemoryBound(to: xmlNode.self))
            result.append((attrNS, name, value))
            attr = a.pointee.next
        }
        return result
    }

    /// The SAML `ID` attribute.
    public var id: String? { attribute("ID") }

    public var parent: XMLElement? {
        guard let p = node.pointee.parent, p.pointee.type == XML_ELEMENT_NODE else { return nil }
        return XMLElement(node: p, document: document)
    }

    public var childElements: [XMLElement] {
        var result: [XMLElement] = []
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE { result.append(XMLElement(node: c, document: document)) }
            child = c.pointee.next
        }
        return result
    }

    public func children(_ localName: String, in namespace: String?) -> [XMLElement] {
        childElements.filter { $0.isNamed(localName, in: namespace) }
    }

    public func firstChild(_ localName: String, in namespace: String?) -> XMLElement? {
        childElements.first { $0.isNamed(localName, in: namespace) }
    }

    /// Every descendant element (depth first, document order), excluding self.
    public var descendants: [XMLElement] {
        var result: [XMLElement] = []
        func walk(_ e: XMLElement) {
            for c in e.childElements {
                result.append(c)
                walk(c)
            }
        }
        walk(self)
        return result
    }

    /// The text of an element that may hold only character data.
    ///
    /// Comments and processing instructions are skipped, never treated as the
    /// end of the value: `user<!---->@evil` reads as `user@evil`, the whole value.
    public func text() throws -> String {
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE || c.pointee.type == XML_ENTITY_REF_NODE {
                throw XMLSecurityError.notSimpleText(element: qualifiedName)
            }
            child = c.pointee.next
        }
        return XMLDocument.content(of: node)
    }

    /// Text with surrounding whitespace removed, for token-like values (IDs, URIs, base64).
    public func trimmedText() throws -> String {
        try text().trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The element and its subtree serialized as written (not canonical).
    /// Namespace declarations of ancestors are not repeated; use
    /// `canonicalized` or `standaloneXML` when the output must stand alone.
    public func serialized() throws -> Data {
        try XMLDocument.save { ctx in xmlSaveTree(ctx, node) }
    }

    /// The element as a self-contained document fragment: a copy in a fresh
    /// document, with every namespace it uses declared on it.
    public func standaloneXML() throws -> Data {
        guard let copy = xmlNewDoc("1.0") else { throw XMLSecurityError.serializationFailed }
        defer { xmlFreeDoc(copy) }
        guard let cloned = xmlDocCopyNode(node, copy, 1) else { throw XMLSecurityError.serializationFailed }
        xmlDocSetRootElement(copy, cloned)
        // Carry over in-scope declarations too: prefixes used only inside
        // attribute values (xsi:type="xs:string") must stay bound.
        var ancestor = node.pointee.parent
        while let a = ancestor, a.pointee.type == XML_ELEMENT_NODE {
            var ns = a.pointee.nsDef
            while let n = ns {
                if xmlSearchNs(copy, cloned, n.pointee.prefix) == nil { _ = xmlNewNs(cloned, n.pointee.href, n.pointee.prefix) }
                ns = n.pointee.next
            }
            ancestor = a.pointee.parent
        }
        _ = xmlReconciliateNs(copy, cloned)
        return try XMLDocument.save { ctx in xmlSaveTree(ctx, cloned) }
    }
}

extension XMLElement {
    /// The namespace URI bound to `prefix` where this element stands.
    public func namespaceURI(forPrefix prefix: String) -> String? {
        xmlSearchNs(document.doc, node, prefix)?.pointee.href.map { String(cString: $0) }
    }
}
