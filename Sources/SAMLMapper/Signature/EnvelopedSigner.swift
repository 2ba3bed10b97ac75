import CLibXML2
import Foundation

/// Produces enveloped signatures in the shape OpenSAML and `xmlsec1` expect:
/// the Signature right after the element's Issuer (or first), one Reference
/// to `#ID`, enveloped-signature + exc-c14n, SHA-256 digest by default.
public struct EnvelopedSigner: Sendable {
    public var key: SigningKey
    public var algorithm: SignatureAlgorithm
    public var digest: DigestAlgorithm
    /// DER certificate written into KeyInfo for the peer's convenience; peers
    /// must not trust it, they pin our key from metadata.
    public var certificateDER: [UInt8]?

    public init(key: SigningKey, algorithm: SignatureAlgorithm? = nil, digest: DigestAlgorithm = .sha256, certificateDER: [UInt8]? = nil) {
        self.key = key
        self.algorithm = algorithm ?? key.defaultAlgorithm
        self.digest = digest
        self.certificateDER = certificateDER
    }

    /// Signs `element` (which must carry an `ID`) in place.
    /// - Parameter inclusivePrefixes: the exc-c14n PrefixList, e.g. `["xs"]` when
    ///   `xsi:type="xs:string"` values must keep their namespace in canonical form.
    public func sign(_ element: XMLElement, inclusivePrefixes: [String] = []) throws {
        guard let id = element.id ?? element.attribute("Id") else {
            throw SignatureError.signedElementHasNoID(element: element.qualifiedName)
        }
        let c14n = CanonicalizationMethod.exclusive(withComments: false, inclusivePrefixes: inclusivePrefixes)
        let digestValue = digest.digest(try element.canonicalized(c14n)).base64EncodedString()

        var transform = XMLBuilder("Transform", .ds, attributes: [("Algorithm", c14n.algorithmURI)])
        if !inclusivePrefixes.isEmpty {
            transform.append(XMLBuilder("InclusiveNamespaces", .ec, attributes: [("PrefixList", inclusivePrefixes.joined(separator: " "))]))
        }
        let signedInfo = XMLBuilder(
            "SignedInfo", .ds,
            children: [
                .element(XMLBuilder("CanonicalizationMethod", .ds, attributes: [("Algorithm", CanonicalizationMethod.exclusiveURI)])),
                .element(XMLBuilder("SignatureMethod", .ds, attributes: [("Algorithm", algorithm.uri)])),
                .element(
                    XMLBuilder(
                        "Reference", .ds, attributes: [("URI", "#" + id)],
                        children: [
                            .element(
                                XMLBuilder(
                                    "Transforms", .ds,
                                    children: [
                                        .element(XMLBuilder("Transform", .ds, attributes: [("Algorithm", TransformURI.envelopedSignature)])),
                                        .element(transform),
                                    ])),
                            .element(XMLBuilder("DigestMethod", .ds, attributes: [("Algorithm", digest.uri)])),
                            .element(XMLBuilder("DigestValue", .ds, text: digestValue)),
                        ])),
            ])
        var signature = XMLBuilder("Signature", .ds, children: [.element(signedInfo), .element(XMLBuilder("SignatureValue", .ds))])
        if let certificateDER {
            signature.append(
                XMLBuilder(
                    "KeyInfo", .ds,
                    children: [
                        .element(
                            XMLBuilder(
                                "X509Data", .ds,
                                children: [
                                    .element(XMLBuilder("X509Certificate", .ds, text: Data(certificateDER).base64EncodedString()))
                                ]))
                    ]))
        }
        let inserted = try element.insertSignature(signature)
        let insertedSignedInfo = inserted.childElements[0]
        let value = try key.sign(try insertedSignedInfo.canonicalized(.exclusive()), algorithm: algorithm)
        inserted.childElements[1].setText(value.base64EncodedString())
    }

    /// Parses `xml`, signs its document element and returns the signed document.
    public func signedXML(_ xml: Data, inclusivePrefixes: [String] = [], limits: XMLLimits = .default) throws -> Data {
        let document = try XMLDocument(parsing: xml, limits: limits)
        try sign(document.root, inclusivePrefixes: inclusivePrefixes)
        return try document.serialized()
    }

    public func signedXML(_ xml: String, inclusivePrefixes: [String] = [], limits: XMLLimits = .default) throws -> Data {
        try signedXML(Data(xml.utf8), inclusivePrefixes: inclusivePrefixes, limits: limits)
    }
}

extension XMLElement {
    /// Builds `signature` as nodes of this document and places it at the
    /// SAML schema position: after a leading `saml:Issuer`, else first.
    /// Building the nodes directly spares a parse of a serialized template
    /// for every signature.
    func insertSignature(_ signature: XMLBuilder) throws -> XMLElement {
        let built = try signature.node(in: document.doc, scope: [:])
        let first = childElements.first
        if let first, first.isNamed("Issuer", in: XMLNamespaces.saml) {
            xmlAddNextSibling(first.node, built)
        } else if let firstChild = node.pointee.children {
            xmlAddPrevSibling(firstChild, built)
        } else {
            xmlAddChild(node, built)
        }
        return XMLElement(node: built, document: document)
    }

    /// Replaces the element's content with text (escaped by libxml2).
    func setText(_ text: String) {
        xmlNodeSetContent(node, nil)
        xmlNodeAddContent(node, text)
    }
}

extension XMLBuilder {
    /// This element as a libxml2 node of `doc`, not yet attached. Namespaces
    /// are declared where first used, as `xmlString()` writes them; text and
    /// attribute values are stored unescaped and escaped when serialized.
    /// `.raw` children are refused: they would need a parse.
    func node(in doc: xmlDocPtr, scope inherited: [String: xmlNsPtr]) throws -> xmlNodePtr {
        guard let node = xmlNewDocNode(doc, nil, name, nil) else { throw XMLSecurityError.serializationFailed }
        var scope = inherited
        func namespace(_ ns: XMLNamespace) -> xmlNsPtr? {
            if let known = scope[ns.uri] { return known }
            let declared = xmlNewNs(node, ns.uri, ns.prefix)
            scope[ns.uri] = declared
            return declared
        }
        xmlSetNs(node, namespace(self.namespace))
        for declaration in declarations { _ = namespace(declaration) }
        for attribute in attributes {
            let created: xmlAttrPtr?
            if let ns = attribute.namespace {
                created = xmlNewNsProp(node, namespace(ns), attribute.name, attribute.value)
            } else {
                created = xmlNewProp(node, attribute.name, attribute.value)
            }
            guard created != nil else {
                xmlFreeNode(node)
                throw XMLSecurityError.serializationFailed
            }
        }
        for child in children {
            switch child {
            case .element(let element):
                do {
                    xmlAddChild(node, try element.node(in: doc, scope: scope))
                } catch {
                    xmlFreeNode(node)
                    throw error
                }
            case .text(let text):
                xmlNodeAddContent(node, text)
            case .raw:
                xmlFreeNode(node)
                throw XMLSecurityError.serializationFailed
            }
        }
        return node
    }
}
