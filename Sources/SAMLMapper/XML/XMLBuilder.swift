import Foundation

/// A namespace URI with the prefix we prefer to write it with.
public struct XMLNamespace: Sendable, Hashable {
    public var prefix: String?
    public var uri: String

    public init(prefix: String?, uri: String) {
        self.prefix = prefix
        self.uri = uri
    }

    public static let saml = XMLNamespace(prefix: "saml", uri: XMLNamespaces.saml)
    public static let samlp = XMLNamespace(prefix: "samlp", uri: XMLNamespaces.samlp)
    public static let md = XMLNamespace(prefix: "md", uri: XMLNamespaces.md)
    public static let ds = XMLNamespace(prefix: "ds", uri: XMLNamespaces.ds)
    public static let xenc = XMLNamespace(prefix: "xenc", uri: XMLNamespaces.xenc)
    public static let xenc11 = XMLNamespace(prefix: "xenc11", uri: XMLNamespaces.xenc11)
    public static let xsi = XMLNamespace(prefix: "xsi", uri: XMLNamespaces.xsi)
    public static let xs = XMLNamespace(prefix: "xs", uri: XMLNamespaces.xs)
    public static let soap = XMLNamespace(prefix: "soap11", uri: XMLNamespaces.soap11)
    public static let ec = XMLNamespace(prefix: "ec", uri: XMLNamespaces.excC14N)
}

/// An element to be written: the small, namespace-correct writer the protocol
/// and metadata layers use to produce documents.
///
/// Text and attribute values are always escaped; namespace declarations are
/// emitted where a prefix is first needed, so output is always
/// namespace-well-formed.
public struct XMLBuilder: Sendable {
    /// Only elements are boxed: text needs no indirection, and every box
    /// is an allocation when a Response is built.
    public enum Child: Sendable {
        indirect case element(XMLBuilder)
        case text(String)
        /// Text known to hold no character XML escapes or forbids (base64),
        /// written without the escaping scan.
        case plainText(String)
        /// Already-serialized, self-contained XML (e.g. a signed or encrypted assertion).
        case raw(String)
    }

    public struct Attribute: Sendable {
        public var namespace: XMLNamespace?
        public var name: String
        public var value: String
    }

    public var namespace: XMLNamespace
    public var name: String
    public var attributes: [Attribute] = []
    public var children: [Child] = []
    /// Extra declarations to write even when no element or attribute name uses them.
    public var declarations: [XMLNamespace] = []

    public init(_ name: String, _ namespace: XMLNamespace, attributes: [(String, String?)] = [], children: [Child] = []) {
        self.name = name
        self.namespace = namespace
        for (n, v) in attributes { if let v { self.attributes.append(Attribute(namespace: nil, name: n, value: v)) } }
        self.children = children
    }

    public init(_ name: String, _ namespace: XMLNamespace, text: String, attributes: [(String, String?)] = []) {
        self.init(name, namespace, attributes: attributes, children: [.text(text)])
    }

    /// An element holding `data` in base64, written without the escaping
    /// scan: the base64 alphabet has no character XML escapes, and cipher
    /// values run to kilobytes on every sign-in.
    public init(_ name: String, _ namespace: XMLNamespace, base64 data: Data) {
        self.init(name, namespace, children: [.plainText(data.base64EncodedString())])
    }

    public mutating func attribute(_ name: String, _ value: String?, namespace: XMLNamespace? = nil) {
        if let value { attributes.append(Attribute(namespace: namespace, name: name, value: value)) }
    }

    public mutating func append(_ element: XMLBuilder) { children.append(.element(element)) }

    public mutating func append(_ elements: [XMLBuilder]) { children += elements.map { .element($0) } }

    public mutating func appendRaw(_ xml: String) { children.append(.raw(xml)) }

    /// The serialized element, optionally preceded by an XML declaration.
    public func xmlString(declaration: Bool = false) -> String {
        var out = declaration ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : ""
        out.reserveCapacity(4096)
        write(into: &out, scope: ["xml": "http://www.w3.org/XML/1998/namespace"])
        return out
    }

    /// Appends piece by piece, with no intermediate strings: a Response is
    /// built on every sign-in.
    private func write(into out: inout String, scope inherited: [String: String]) {
        var scope = inherited
        var declared: [XMLNamespace] = []
        func need(_ ns: XMLNamespace) {
            let key = ns.prefix ?? ""
            if scope[key] != ns.uri {
                scope[key] = ns.uri
                declared.append(ns)
            }
        }
        need(namespace)
        for attribute in attributes { if let ns = attribute.namespace { need(ns) } }
        for ns in declarations { need(ns) }
        out.append("<")
        Self.appendName(name, prefix: namespace.prefix, to: &out)
        for ns in declared {
            if let prefix = ns.prefix {
                out.append(" xmlns:")
                out.append(prefix)
                out.append("=\"")
            } else {
                out.append(" xmlns=\"")
            }
            out.append(Self.escapeAttribute(ns.uri))
            out.append("\"")
        }
        for attribute in attributes {
            out.append(" ")
            Self.appendName(attribute.name, prefix: attribute.namespace?.prefix, to: &out)
            out.append("=\"")
            out.append(Self.escapeAttribute(attribute.value))
            out.append("\"")
        }
        if children.isEmpty {
            out.append("/>")
            return
        }
        out.append(">")
        for child in children {
            switch child {
            case .element(let e): e.write(into: &out, scope: scope)
            case .text(let t): out.append(Self.escapeText(t))
            case .plainText(let t), .raw(let t): out.append(t)
            }
        }
        out.append("</")
        Self.appendName(name, prefix: namespace.prefix, to: &out)
        out.append(">")
    }

    private static func appendName(_ name: String, prefix: String?, to out: inout String) {
        if let prefix {
            out.append(prefix)
            out.append(":")
        }
        out.append(name)
    }

    /// XML 1.0 forbids most control characters even when escaped; they are replaced.
    static func isXMLChar(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    /// Which escaping a string gets: text escapes `>` too, so `]]>` can never
    /// appear; attributes escape quotes and the white space a parser would
    /// otherwise normalise away.
    enum EscapeMode {
        case text
        case attribute
    }

    static func escapeText(_ s: String) -> String { escape(s, mode: .text) }

    /// Also right for a double-quoted HTML attribute value.
    public static func escapeAttribute(_ s: String) -> String { escape(s, mode: .attribute) }

    /// Works on UTF-8 bytes: a string with nothing to escape (base64 digest
    /// and cipher values, IDs, URLs: almost everything in a Response) is
    /// returned as it is after one scan. Characters XML forbids become
    /// U+FFFD rather than breaking the document.
    static func escape(_ s: String, mode: EscapeMode) -> String {
        var s = s
        return s.withUTF8 { bytes in
            guard let first = bytes.firstIndex(where: { needsWork($0, mode: mode) }) else { return nil }
            return escapeSlowly(bytes, from: first, mode: mode)
        } ?? s
    }

    /// Bytes that may need escaping or replacing: the markup characters, the
    /// control range, and 0xEF, the lead byte of U+FFFE and U+FFFF.
    @inline(__always)
    private static func needsWork(_ byte: UInt8, mode: EscapeMode) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), 0xEF: true
        case UInt8(ascii: ">"): mode == .text
        case UInt8(ascii: "\""): mode == .attribute
        case 0x00..<0x20: true
        default: false
        }
    }

    private static func escapeSlowly(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, mode: EscapeMode) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        out.append(contentsOf: bytes[..<start])
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">") where mode == .text: out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\"") where mode == .attribute: out.append(contentsOf: "&quot;".utf8)
            case 0x0D: out.append(contentsOf: "&#xD;".utf8)
            case 0x0A where mode == .attribute: out.append(contentsOf: "&#xA;".utf8)
            case 0x09 where mode == .attribute: out.append(contentsOf: "&#x9;".utf8)
            case 0x09, 0x0A: out.append(byte)
            case 0x00..<0x20: out.append(contentsOf: replacementCharacter)
            case 0xEF where index + 1 < bytes.count && bytes[index] == 0xBF && (bytes[index + 1] == 0xBE || bytes[index + 1] == 0xBF):
                // U+FFFE or U+FFFF: not XML characters.
                out.append(contentsOf: replacementCharacter)
                index += 2
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `s` with the characters XML 1.0 forbids replaced by U+FFFD, for
    /// values handed to libxml2, which stores them as they are and escapes
    /// markup when it writes the document.
    static func xmlCharactersOnly(_ s: String) -> String {
        let clean = !s.utf8.contains { byte in
            (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0xEF
        }
        if clean { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.map { isXMLChar($0) ? $0 : "\u{FFFD}" }))
    }

    private static let replacementCharacter: [UInt8] = [0xEF, 0xBF, 0xBD]
}
