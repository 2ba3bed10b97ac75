import CLibXML2
import Foundation

extension XMLBuilder {
    /// Gives `node`, an empty element already standing where it will stay
    /// in `doc`, this builder's namespace, attributes and children. Built
    /// top down, so a namespace already declared above is found rather than
    /// declared again. Text and attribute values are stored unescaped and
    /// escaped when serialized; `.raw` children are refused, as they would
    /// need a parse. On a throw the caller frees what it attached.
    func fill(_ node: xmlNodePtr, in doc: xmlDocPtr) throws {
        func namespace(_ ns: XMLNamespace, forAttribute: Bool = false) throws -> xmlNsPtr {
            try xmlChars(ns.uri) { uri in
                // The xml prefix is bound by definition and is never declared;
                // an attribute cannot take a default (unprefixed) namespace.
                if let found = xmlSearchNsByHref(doc, node, uri), !forAttribute || found.pointee.prefix != nil { return found }
                guard ns.uri != XMLNamespaces.xml, let declared = xmlChars(orNil: ns.prefix, { xmlNewNs(node, uri, $0) }) else {
                    throw XMLSecurityError.serializationFailed
                }
                return declared
            }
        }
        xmlSetNs(node, try namespace(self.namespace))
        for declaration in declarations { _ = try namespace(declaration) }
        for attribute in attributes {
            let ns = try attribute.namespace.map { try namespace($0, forAttribute: true) }
            let created = xmlChars(attribute.name) { name in
                xmlChars(Self.xmlCharactersOnly(attribute.value)) { value in xmlNewNsProp(node, ns, name, value) }
            }
            guard created != nil else { throw XMLSecurityError.serializationFailed }
        }
        for child in children {
            switch child {
            case .element(let element):
                guard let child = xmlChars(element.name, { xmlNewDocNode(doc, nil, $0, nil) }) else {
                    throw XMLSecurityError.serializationFailed
                }
                xmlAddChild(node, child)
                try element.fill(child, in: doc)
            case .text(let text):
                xmlChars(Self.xmlCharactersOnly(text)) { xmlNodeAddContent(node, $0) }
            case .plainText(let text):
                xmlChars(text) { xmlNodeAddContent(node, $0) }
            case .raw:
                throw XMLSecurityError.serializationFailed
            }
        }
    }
}

/// `string` as libxml2 characters for the length of `body`. Short strings
/// are copied to the stack: the implicit conversion would allocate for each.
@inline(__always)
func xmlChars<Result>(_ string: String, _ body: (UnsafePointer<xmlChar>) throws -> Result) rethrows -> Result {
    try string.withCString { try body(UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self)) }
}

/// As above, with nil for a missing string.
@inline(__always)
func xmlChars<Result>(orNil string: String?, _ body: (UnsafePointer<xmlChar>?) throws -> Result) rethrows -> Result {
    guard let string else { return try body(nil) }
    return try xmlChars(string) { try body($0) }
}

extension XMLDocument {
    /// The document `builder` describes, made as libxml2 nodes: what the
    /// bridge writes and signs itself needs no serialize-and-parse round.
    public convenience init(building builder: XMLBuilder) throws {
        _ = libxml2Initialized
        guard let doc = xmlNewDoc("1.0") else { throw XMLSecurityError.serializationFailed }
        // Names interned once per document, as a parser does, rather than
        // copied into every node.
        doc.pointee.dict = xmlDictCreate()
        guard let root = xmlChars(builder.name, { xmlNewDocNode(doc, nil, $0, nil) }) else {
            xmlFreeDoc(doc)
            throw XMLSecurityError.serializationFailed
        }
        xmlDocSetRootElement(doc, root)
        do {
            try builder.fill(root, in: doc)
        } catch {
            xmlFreeDoc(doc)
            throw error
        }
        try self.init(adopting: doc, root: root, limits: .default)
    }
}
