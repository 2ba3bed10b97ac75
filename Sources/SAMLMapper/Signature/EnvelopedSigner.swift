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
    public var certificateDER: [UInt8]? {
        didSet { certificateBase64 = certificateDER.map { Data($0).base64EncodedString() } }
    }
    /// `certificateDER` as KeyInfo carries it, encoded once rather than per signature.
    private var certificateBase64: String?

    public init(key: SigningKey, algorithm: SignatureAlgorithm? = nil, digest: DigestAlgorithm = .sha256, certificateDER: [UInt8]? = nil) {
        self.key = key
        self.algorithm = algorithm ?? key.defaultAlgorithm
        self.digest = digest
        self.certificateDER = certificateDER
        self.certificateBase64 = certificateDER.map { Data($0).base64EncodedString() }
    }

    /// Signs `element` (which must carry an `ID`) in place.
    /// - Parameter inclusivePrefixes: the exc-c14n PrefixList, e.g. `["xs"]` when
    ///   `xsi:type="xs:string"` values must keep their namespace in canonical form.
    public func sign(_ element: XMLElement, inclusivePrefixes: [String] = []) throws {
        guard let id = element.id ?? element.attribute("Id") else {
            throw SignatureError.signedElementHasNoID(element: element.qualifiedName)
        }
        let c14n = CanonicalizationMethod.exclusive(withComments: false, inclusivePrefixes: inclusivePrefixes)
        let template = SignatureTemplate(
            referenceURI: "#" + id, inclusivePrefixes: inclusivePrefixes, signatureMethod: algorithm.uri, digestMethod: digest.uri,
            digestValue: digest.digest(try element.canonicalized(c14n)).base64EncodedString(), certificate: certificateBase64)
        let inserted = try template.insert(into: element)
        let signedInfo = XMLElement(node: inserted.signedInfo, document: element.document)
        let value = try key.sign(try signedInfo.canonicalized(.exclusive()), algorithm: algorithm)
        xmlChars(value.base64EncodedString()) { xmlNodeAddContent(inserted.signatureValue, $0) }
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
