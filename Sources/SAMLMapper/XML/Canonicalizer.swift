import CLibXML2
import Foundation

/// A canonicalization algorithm and its parameters, named by its XML-DSig URI.
public enum CanonicalizationMethod: Sendable, Hashable {
    /// Exclusive XML Canonicalization 1.0, optionally with an InclusiveNamespaces PrefixList.
    case exclusive(withComments: Bool = false, inclusivePrefixes: [String] = [])
    /// Canonical XML 1.0 (inclusive).
    case inclusive(withComments: Bool = false)

    public static let exclusiveURI = "http://www.w3.org/2001/10/xml-exc-c14n#"
    public static let exclusiveWithCommentsURI = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
    public static let inclusiveURI = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    public static let inclusiveWithCommentsURI = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"

    public var algorithmURI: String {
        switch self {
        case .exclusive(let comments, _): return comments ? Self.exclusiveWithCommentsURI : Self.exclusiveURI
        case .inclusive(let comments): return comments ? Self.inclusiveWithCommentsURI : Self.inclusiveURI
        }
    }

    /// The method for an algorithm URI, or nil when the URI is not a c14n algorithm.
    public init?(uri: String, inclusivePrefixes: [String] = []) {
        switch uri {
        case Self.exclusiveURI: self = .exclusive(withComments: false, inclusivePrefixes: inclusivePrefixes)
        case Self.exclusiveWithCommentsURI: self = .exclusive(withComments: true, inclusivePrefixes: inclusivePrefixes)
        case Self.inclusiveURI: self = .inclusive(withComments: false)
        case Self.inclusiveWithCommentsURI: self = .inclusive(withComments: true)
        default: return nil
        }
    }

    var withComments: Bool {
        switch self {
        case .exclusive(let c, _), .inclusive(let c): return c
        }
    }
}

/// What the visibility callback needs: the apex of the subtree and the one
/// subtree (an enveloped Signature) to leave out.
private final class C14NScope {
    let apex: xmlNodePtr
    let excluded: xmlNodePtr?
    init(apex: xmlNodePtr, excluded: xmlNodePtr?) {
        self.apex = apex
        self.excluded = excluded
    }
}

extension XMLElement {
    /// Canonicalizes this element's subtree where it stands in its document,
    /// optionally leaving out one descendant subtree (the enveloped Signature).
    ///
    /// Working inside the original document, rather than on a re-parsed copy,
    /// is what makes in-scope namespaces and `xml:*` attributes come out
    /// exactly as the signer saw them.
    public func canonicalized(_ method: CanonicalizationMethod, excluding: XMLElement? = nil) throws -> Data {
        let scope = C14NScope(apex: node, excluded: excluding?.node)
        let context = Unmanaged.passRetained(scope)
        defer { context.release() }
        let visible: xmlC14NIsVisibleCallback = { userData, node, parent in
            guard let userData, let node else { return 0 }
            let scope = Unmanaged<C14NScope>.fromOpaque(userData).takeUnretainedValue()
            var current: xmlNodePtr? = node.pointee.type == XML_NAMESPACE_DECL ? parent : node
            if node.pointee.type == XML_ATTRIBUTE_NODE { current = node.pointee.parent }
            while let c = current {
                if c == scope.excluded { return 0 }
                if c == scope.apex { return 1 }
                current = c.pointee.parent
            }
            return 0
        }
        guard let buffer = xmlAllocOutputBuffer(nil) else { throw XMLSecurityError.canonicalizationFailed }
        let mode: Int32
        var prefixes: [String] = []
        switch method {
        case .exclusive(_, let list):
            mode = Int32(XML_C14N_EXCLUSIVE_1_0.rawValue)
            prefixes = list
        case .inclusive:
            mode = Int32(XML_C14N_1_0.rawValue)
        }
        var cStrings: [UnsafeMutablePointer<xmlChar>?] = prefixes.map {
            strdup($0).map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: xmlChar.self) }
        }
        cStrings.append(nil)
        defer { for p in cStrings { if let p { free(p) } } }
        let rc = cStrings.withUnsafeMutableBufferPointer { list in
            xmlC14NExecute(
                document.doc, visible, context.toOpaque(), mode,
                prefixes.isEmpty ? nil : list.baseAddress, method.withComments ? 1 : 0, buffer)
        }
        defer { _ = xmlOutputBufferClose(buffer) }
        guard rc >= 0, xmlOutputBufferFlush(buffer) >= 0 else { throw XMLSecurityError.canonicalizationFailed }
        let size = xmlOutputBufferGetSize(buffer)
        guard let bytes = xmlOutputBufferGetContent(buffer) else { return Data() }
        return Data(bytes: bytes, count: size)
    }
}
