import CLibXML2
import Foundation

/// The `ds:Signature` element of an enveloped signature, made with direct
/// libxml2 calls. Every sign-in signs twice, so the template is built
/// without an intermediate builder tree: names are static C strings and
/// only the values are copied.
struct SignatureTemplate {
    var referenceURI: String
    var inclusivePrefixes: [String]
    var signatureMethod: String
    var digestMethod: String
    var digestValue: String
    /// Base64 DER certificate for KeyInfo, if the signer publishes one.
    var certificate: String?

    /// The template's nodes that signing fills in afterwards.
    struct Inserted {
        var signedInfo: xmlNodePtr
        var signatureValue: xmlNodePtr
    }

    /// Places the template at the SAML schema position in `element`: after
    /// a leading `saml:Issuer`, else first.
    func insert(into element: XMLElement) throws -> Inserted {
        let doc = element.document.doc
        guard let signature = xmlNewDocNode(doc, nil, "Signature", nil) else { throw XMLSecurityError.serializationFailed }
        if let first = element.childElements.first, first.isNamed("Issuer", in: XMLNamespaces.saml) {
            xmlAddNextSibling(first.node, signature)
        } else if let firstChild = element.node.pointee.children {
            xmlAddPrevSibling(firstChild, signature)
        } else {
            xmlAddChild(element.node, signature)
        }
        do {
            return try fill(signature, in: doc)
        } catch {
            xmlUnlinkNode(signature)
            xmlFreeNode(signature)
            throw error
        }
    }

    private func fill(_ signature: xmlNodePtr, in doc: xmlDocPtr) throws -> Inserted {
        let ds = try Self.namespace(XMLNamespaces.ds, prefix: "ds", on: signature, in: doc)
        xmlSetNs(signature, ds)
        func child(_ parent: xmlNodePtr, _ name: StaticString, algorithm: String? = nil) throws -> xmlNodePtr {
            guard let node = xmlNewChild(parent, ds, name.utf8Start, nil) else { throw XMLSecurityError.serializationFailed }
            if let algorithm { try Self.attribute(node, "Algorithm", algorithm) }
            return node
        }
        let signedInfo = try child(signature, "SignedInfo")
        _ = try child(signedInfo, "CanonicalizationMethod", algorithm: CanonicalizationMethod.exclusiveURI)
        _ = try child(signedInfo, "SignatureMethod", algorithm: signatureMethod)
        let reference = try child(signedInfo, "Reference")
        try Self.attribute(reference, "URI", referenceURI)
        let transforms = try child(reference, "Transforms")
        _ = try child(transforms, "Transform", algorithm: TransformURI.envelopedSignature)
        let transform = try child(transforms, "Transform", algorithm: CanonicalizationMethod.exclusiveURI)
        if !inclusivePrefixes.isEmpty {
            guard let list = xmlNewChild(transform, nil, "InclusiveNamespaces", nil) else { throw XMLSecurityError.serializationFailed }
            xmlSetNs(list, try Self.namespace(XMLNamespaces.excC14N, prefix: "ec", on: list, in: doc))
            try Self.attribute(list, "PrefixList", inclusivePrefixes.joined(separator: " "))
        }
        _ = try child(reference, "DigestMethod", algorithm: digestMethod)
        let digest = try child(reference, "DigestValue")
        xmlChars(digestValue) { xmlNodeAddContent(digest, $0) }
        let signatureValue = try child(signature, "SignatureValue")
        if let certificate {
            let certificateNode = try child(try child(try child(signature, "KeyInfo"), "X509Data"), "X509Certificate")
            xmlChars(certificate) { xmlNodeAddContent(certificateNode, $0) }
        }
        return Inserted(signedInfo: signedInfo, signatureValue: signatureValue)
    }

    /// The namespace bound to `uri` where `node` stands, declared on it if none is.
    private static func namespace(_ uri: String, prefix: StaticString, on node: xmlNodePtr, in doc: xmlDocPtr) throws -> xmlNsPtr {
        try xmlChars(uri) { href in
            if let found = xmlSearchNsByHref(doc, node, href) { return found }
            guard let declared = xmlNewNs(node, href, prefix.utf8Start) else { throw XMLSecurityError.serializationFailed }
            return declared
        }
    }

    private static func attribute(_ node: xmlNodePtr, _ name: StaticString, _ value: String) throws {
        guard xmlChars(value, { xmlNewProp(node, name.utf8Start, $0) }) != nil else { throw XMLSecurityError.serializationFailed }
    }
}
