import CLibXML2
import Foundation

/// libxml2 keeps process-wide tables; they are set up once, before the first parse.
let libxml2Initialized: Void = { xmlInitParser() }()

/// A parsed XML document owned by one task.
///
/// Parsing is the only way in: it refuses DTDs, network access, oversize and
/// over-deep input, documents that are not namespace-well-formed and duplicate
/// `ID`/`Id` values. libxml2 pointers are not `Sendable`, so this class is not
/// either; hand `Data` or parsed value types across tasks instead.
public final class XMLDocument {
    let doc: xmlDocPtr
    let rootNode: xmlNodePtr
    public let limits: XMLLimits
    private var idIndex: [String: xmlNodePtr]

    /// Parses `data` with the hardened options and the given limits.
    public convenience init(parsing data: Data, limits: XMLLimits = .default) throws {
        _ = libxml2Initialized
        guard data.count <= limits.maxBytes else { throw XMLSecurityError.tooLarge(limit: limits.maxBytes) }
        guard !data.isEmpty else { throw XMLSecurityError.malformed(reason: "empty document") }
        let (parsed, root) = try XMLDocument.parse(data)
        try self.init(adopting: parsed, root: root, limits: limits)
    }

    /// Takes ownership of `doc`, freeing it if the checks refuse it.
    init(adopting doc: xmlDocPtr, root: xmlNodePtr, limits: XMLLimits) throws {
        do {
            try XMLDocument.checkDepth(root, limit: limits.maxDepth)
            self.idIndex = try XMLDocument.buildIDIndex(root)
        } catch {
            xmlFreeDoc(doc)
            throw error
        }
        self.limits = limits
        self.doc = doc
        self.rootNode = root
    }

    public convenience init(parsing string: String, limits: XMLLimits = .default) throws {
        try self.init(parsing: Data(string.utf8), limits: limits)
    }

    deinit { xmlFreeDoc(doc) }

    /// The document element.
    public var root: XMLElement {
        XMLElement(node: rootNode, document: self)
    }

    /// The element whose `ID` (SAML) or `Id` (XML-DSig/Enc) attribute is `id`.
    /// Duplicates were refused at parse time, so the answer is unambiguous.
    public func element(withID id: String) -> XMLElement? {
        idIndex[id].map { XMLElement(node: $0, document: self) }
    }

    /// The whole document as UTF-8 bytes, with an XML declaration.
    public func serialized() throws -> Data {
        try XMLDocument.save { ctx in xmlSaveDoc(ctx, doc) }
    }

    // MARK: - Parsing

    private static let parseOptions: Int32 = Int32(
        XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOXINCNODE.rawValue)

    private static func parse(_ data: Data) throws -> (xmlDocPtr, xmlNodePtr) {
        // A push parser: its context is ours to configure before any byte is read.
        guard let ctxt = xmlCreatePushParserCtxt(nil, nil, nil, 0, nil) else {
            throw XMLSecurityError.malformed(reason: "parser could not start")
        }
        defer { xmlFreeParserCtxt(ctxt) }
        _ = xmlCtxtUseOptions(ctxt, parseOptions)
        // Stop at the first sign of a DTD, before any declaration inside it is read,
        // so neither external entities nor entity expansion can happen.
        ctxt.pointee.sax?.pointee.internalSubset = { ctx, _, _, _ in
            guard let ctx else { return }
            let parser = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
            parser.pointee._private = UnsafeMutableRawPointer(bitPattern: 1)
            xmlStopParser(parser)
        }
        ctxt.pointee.sax?.pointee.externalSubset = nil
        ctxt.pointee.sax?.pointee.entityDecl = nil
        ctxt.pointee.sax?.pointee.resolveEntity = nil
        ctxt.pointee._private = nil
        _ = data.withUnsafeBytes { raw in
            xmlParseChunk(ctxt, raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count), 1)
        }
        let sawDoctype = ctxt.pointee._private != nil
        let parsed = ctxt.pointee.myDoc
        ctxt.pointee.myDoc = nil
        if sawDoctype {
            if let parsed { xmlFreeDoc(parsed) }
            throw XMLSecurityError.doctypeForbidden
        }
        guard let doc = parsed, ctxt.pointee.wellFormed != 0 else {
            if let parsed { xmlFreeDoc(parsed) }
            var reason = "syntax error"
            if let err = xmlCtxtGetLastError(UnsafeMutableRawPointer(ctxt)), let msg = err.pointee.message {
                reason = String(cString: msg).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            throw XMLSecurityError.malformed(reason: reason)
        }
        if ctxt.pointee.nsWellFormed == 0 {
            xmlFreeDoc(doc)
            throw XMLSecurityError.notNamespaceWellFormed
        }
        if doc.pointee.intSubset != nil || doc.pointee.extSubset != nil {
            xmlFreeDoc(doc)
            throw XMLSecurityError.doctypeForbidden
        }
        guard let root = xmlDocGetRootElement(doc) else {
            xmlFreeDoc(doc)
            throw XMLSecurityError.malformed(reason: "no root element")
        }
        return (doc, root)
    }

    private static func checkDepth(_ root: xmlNodePtr, limit: Int) throws {
        func walk(_ node: xmlNodePtr, _ depth: Int) throws {
            if depth > limit { throw XMLSecurityError.tooDeep(limit: limit) }
            var child = node.pointee.children
            while let c = child {
                if c.pointee.type == XML_ELEMENT_NODE { try walk(c, depth + 1) }
                if c.pointee.type == XML_ENTITY_REF_NODE { throw XMLSecurityError.doctypeForbidden }
                child = c.pointee.next
            }
        }
        try walk(root, 1)
    }

    /// Builds the ID index by walking every element; any repeated value is fatal.
    private static func buildIDIndex(_ root: xmlNodePtr) throws -> [String: xmlNodePtr] {
        var index: [String: xmlNodePtr] = [:]
        func walk(_ node: xmlNodePtr) throws {
            var attr = node.pointee.properties
            while let a = attr {
                if a.pointee.ns == nil, let name = a.pointee.name {
                    let attrName = String(cString: name)
                    if attrName == "ID" || attrName == "Id" {
                        let value = XMLDocument.content(of: UnsafeMutableRawPointer(a).assumingMemoryBound(to: xmlNode.self))
                        if index[value] != nil { throw XMLSecurityError.duplicateID(value) }
                        index[value] = node
                    }
                }
                attr = a.pointee.next
            }
            var child = node.pointee.children
            while let c = child {
                if c.pointee.type == XML_ELEMENT_NODE { try walk(c) }
                child = c.pointee.next
            }
        }
        try walk(root)
        return index
    }

    // MARK: - Helpers shared with XMLElement

    /// Text content of a node (all descendant text, comments skipped), without `xmlFree`.
    static func content(of node: xmlNodePtr) -> String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        _ = xmlNodeBufGetContent(buffer, node)
        guard let bytes = xmlBufferContent(buffer) else { return "" }
        return String(cString: bytes)
    }

    /// Runs a libxml2 save into a memory buffer and returns the bytes.
    static func save(_ body: (OpaquePointer) -> Int) throws -> Data {
        guard let buffer = xmlBufferCreate() else { throw XMLSecurityError.serializationFailed }
        defer { xmlBufferFree(buffer) }
        guard let ctx = xmlSaveToBuffer(buffer, "UTF-8", Int32(XML_SAVE_AS_XML.rawValue)) else {
            throw XMLSecurityError.serializationFailed
        }
        let rc = body(ctx)
        _ = xmlSaveClose(ctx)
        guard rc >= 0, let bytes = xmlBufferContent(buffer) else { throw XMLSecurityError.serializationFailed }
        return Data(bytes: bytes, count: Int(xmlBufferLength(buffer)))
    }
}
