import Foundation

/// Checks enveloped XML signatures against keys the caller trusts.
///
/// Keys and certificates inside `KeyInfo` are ignored: an attacker can put any
/// key there. `verify` returns the element that was actually signed, and
/// callers must read data only from that element, which defeats signature
/// wrapping (XSW) whatever else the document contains.
public struct SignatureVerifier: Sendable {
    public var trustedKeys: [SigningPublicKey]
    public var policy: SignaturePolicy

    public init(trustedKeys: [SigningPublicKey], policy: SignaturePolicy = .default) {
        self.trustedKeys = trustedKeys
        self.policy = policy
    }

    /// Verifies the signature that `element` carries as an immediate child and
    /// returns `element` itself.
    @discardableResult
    public func verify(_ element: XMLElement) throws -> XMLElement {
        let signatures = element.children("Signature", in: XMLNamespaces.ds)
        guard !signatures.isEmpty else { throw SignatureError.signatureMissing(element: element.qualifiedName) }
        guard signatures.count == 1 else { throw SignatureError.multipleSignatures(element: element.qualifiedName) }
        let signature = signatures[0]
        let parts = signature.childElements
        guard let signedInfo = parts.first, signedInfo.isNamed("SignedInfo", in: XMLNamespaces.ds) else {
            throw SignatureError.malformed("SignedInfo must be the first child")
        }
        guard parts.count >= 2, parts[1].isNamed("SignatureValue", in: XMLNamespaces.ds) else {
            throw SignatureError.malformed("SignatureValue must follow SignedInfo")
        }
        if parts.contains(where: { $0.isNamed("Object", in: XMLNamespaces.ds) }) { throw SignatureError.objectNotAllowed }

        // SignedInfo: c14n method, signature method, exactly one Reference.
        let siParts = signedInfo.childElements
        guard siParts.count >= 3, siParts[0].isNamed("CanonicalizationMethod", in: XMLNamespaces.ds),
            siParts[1].isNamed("SignatureMethod", in: XMLNamespaces.ds)
        else { throw SignatureError.malformed("SignedInfo must start with CanonicalizationMethod and SignatureMethod") }
        let siC14N = try canonicalization(siParts[0])
        guard let methodURI = siParts[1].attribute("Algorithm") else { throw SignatureError.malformed("SignatureMethod without Algorithm") }
        guard let algorithm = SignatureAlgorithm(rawValue: methodURI), policy.allowedSignatureAlgorithms.contains(algorithm) else {
            throw SignatureError.algorithmNotAllowed(methodURI)
        }
        let references = siParts.dropFirst(2)
        guard references.allSatisfy({ $0.isNamed("Reference", in: XMLNamespaces.ds) }) else {
            throw SignatureError.malformed("SignedInfo holds something other than References")
        }
        guard references.count == 1, let reference = references.first else { throw SignatureError.referenceCount(references.count) }

        // The Reference must point at the very element that carries the Signature.
        let uri = reference.attribute("URI") ?? ""
        var wholeDocument = false
        if uri.isEmpty {
            guard policy.allowsWholeDocumentReference, element.isSameNode(element.document.root) else {
                throw SignatureError.referenceNotLocal(uri)
            }
            wholeDocument = true
        } else {
            guard uri.hasPrefix("#"), uri.count > 1 else { throw SignatureError.referenceNotLocal(uri) }
            let target = String(uri.dropFirst())
            guard let ownID = element.id ?? element.attribute("Id") else {
                throw SignatureError.signedElementHasNoID(element: element.qualifiedName)
            }
            guard target == ownID, let resolved = element.document.element(withID: target), resolved.isSameNode(element) else {
                throw SignatureError.referenceToOtherElement(reference: target, signedElementID: ownID)
            }
        }

        // Transforms: enveloped-signature required, plus at most one c14n.
        let refParts = reference.childElements
        var index = 0
        var refC14N: CanonicalizationMethod = .inclusive(withComments: false)
        var sawEnveloped = false
        if let transforms = refParts.first, transforms.isNamed("Transforms", in: XMLNamespaces.ds) {
            index = 1
            let list = transforms.childElements
            let limit = wholeDocument ? 3 : 2
            guard list.count <= limit else { throw SignatureError.tooManyTransforms(list.count) }
            for t in list {
                guard t.isNamed("Transform", in: XMLNamespaces.ds), let alg = t.attribute("Algorithm") else {
                    throw SignatureError.malformed("Transforms holds an element that is not a Transform")
                }
                if alg == TransformURI.envelopedSignature {
                    sawEnveloped = true
                } else if alg == TransformURI.xpath, wholeDocument, try isSignatureExcludingXPath(t, element: element) {
                    continue
                } else {
                    refC14N = try canonicalization(t)
                }
            }
        }
        guard sawEnveloped else { throw SignatureError.missingEnvelopedTransform }
        guard refParts.count == index + 2, refParts[index].isNamed("DigestMethod", in: XMLNamespaces.ds),
            refParts[index + 1].isNamed("DigestValue", in: XMLNamespaces.ds)
        else { throw SignatureError.malformed("Reference must hold Transforms, DigestMethod and DigestValue") }
        guard let digestURI = refParts[index].attribute("Algorithm") else { throw SignatureError.malformed("DigestMethod without Algorithm") }
        guard let digestAlgorithm = DigestAlgorithm(rawValue: digestURI), policy.allowedDigestAlgorithms.contains(digestAlgorithm) else {
            throw SignatureError.algorithmNotAllowed(digestURI)
        }
        guard let expectedDigest = Self.base64(try refParts[index + 1].text()) else {
            throw SignatureError.malformed("DigestValue is not base64")
        }
        guard let signatureValue = Self.base64(try parts[1].text()) else {
            throw SignatureError.malformed("SignatureValue is not base64")
        }

        // Keys first: a message no trusted key could have signed is refused before any hashing.
        let candidates = trustedKeys.filter { $0.supports(algorithm) }
        guard !candidates.isEmpty else { throw SignatureError.noTrustedKey(algorithm: algorithm.uri) }

        // Same-document references drop comments whatever the c14n says (XML-DSig 4.3.3.3).
        let content = try element.canonicalized(refC14N.withoutComments, excluding: signature)
        guard Self.constantTimeEqual(digestAlgorithm.digest(content), expectedDigest) else { throw SignatureError.digestMismatch }

        let signedBytes = try signedInfo.canonicalized(siC14N)
        guard candidates.contains(where: { $0.isValidSignature(signatureValue, for: signedBytes, algorithm: algorithm) }) else {
            throw SignatureError.signatureInvalid
        }
        return element
    }

    /// Verifies the signature on the document element and returns it.
    @discardableResult
    public func verifyRoot(of document: XMLDocument) throws -> XMLElement {
        try verify(document.root)
    }

    /// Reads a CanonicalizationMethod or c14n Transform against the policy.
    private func canonicalization(_ element: XMLElement) throws -> CanonicalizationMethod {
        guard let uri = element.attribute("Algorithm") else { throw SignatureError.malformed("\(element.localName) without Algorithm") }
        let prefixes =
            element.firstChild("InclusiveNamespaces", in: XMLNamespaces.excC14N)?
            .attribute("PrefixList")?.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init) ?? []
        guard let method = CanonicalizationMethod(uri: uri, inclusivePrefixes: prefixes) else {
            throw SignatureError.transformNotAllowed(uri)
        }
        switch method {
        case .exclusive(let comments, _):
            if comments && !policy.allowsCommentCanonicalization { throw SignatureError.transformNotAllowed(uri) }
        case .inclusive(let comments):
            if !policy.allowsWholeDocumentReference || (comments && !policy.allowsCommentCanonicalization) {
                throw SignatureError.transformNotAllowed(uri)
            }
        }
        return method
    }

    /// Recognises the one XPath transform generic tools emit, which on a
    /// document with a single Signature equals the enveloped transform.
    private func isSignatureExcludingXPath(_ transform: XMLElement, element: XMLElement) throws -> Bool {
        guard let xpath = transform.firstChild("XPath", in: XMLNamespaces.ds) else { return false }
        let expression = try xpath.trimmedText()
        guard let match = expression.wholeMatch(of: /not\(ancestor-or-self::(\w+):Signature\)/) else {
            throw SignatureError.transformNotAllowed(TransformURI.xpath)
        }
        let prefix = String(match.1)
        guard xpath.namespaceURI(forPrefix: prefix) == XMLNamespaces.ds else { throw SignatureError.transformNotAllowed(TransformURI.xpath) }
        let signatures = element.descendants.filter { $0.isNamed("Signature", in: XMLNamespaces.ds) }
        guard signatures.count == 1 else { throw SignatureError.transformNotAllowed(TransformURI.xpath) }
        return true
    }

    static func base64(_ text: String) -> Data? {
        Data(base64Encoded: String(text.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }.map(Character.init)))
    }

    static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}

extension CanonicalizationMethod {
    var withoutComments: CanonicalizationMethod {
        switch self {
        case .exclusive(_, let p): return .exclusive(withComments: false, inclusivePrefixes: p)
        case .inclusive: return .inclusive(withComments: false)
        }
    }
}
