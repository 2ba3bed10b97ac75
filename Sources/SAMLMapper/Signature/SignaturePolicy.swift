/// Which signature shapes and algorithms a verifier accepts.
///
/// The default is the SAML profile with SHA-2 family algorithms only;
/// anything weaker must be switched on by configuration, visibly.
public struct SignaturePolicy: Sendable, Hashable {
    public var allowedSignatureAlgorithms: Set<SignatureAlgorithm>
    public var allowedDigestAlgorithms: Set<DigestAlgorithm>
    /// Accept `exc-c14n#WithComments` in SignedInfo and transforms (OpenSAML does; we do not by default).
    public var allowsCommentCanonicalization: Bool
    /// Accept the non-SAML shape of generic XML-DSig tools: `URI=""` on the
    /// document element, inclusive C14N, and the XPath transform
    /// `not(ancestor-or-self::dsig:Signature)`. Only for interoperability checks.
    public var allowsWholeDocumentReference: Bool

    public init(
        allowedSignatureAlgorithms: Set<SignatureAlgorithm> = [.rsaSHA256, .rsaSHA384, .rsaSHA512, .rsaPSSSHA256, .ecdsaSHA256, .sm2SM3],
        allowedDigestAlgorithms: Set<DigestAlgorithm> = [.sha256, .sha384, .sha512],
        allowsCommentCanonicalization: Bool = false,
        allowsWholeDocumentReference: Bool = false
    ) {
        self.allowedSignatureAlgorithms = allowedSignatureAlgorithms
        self.allowedDigestAlgorithms = allowedDigestAlgorithms
        self.allowsCommentCanonicalization = allowsCommentCanonicalization
        self.allowsWholeDocumentReference = allowsWholeDocumentReference
    }

    public static let `default` = SignaturePolicy()

    /// The default plus RSA-SHA1 and SHA-1 digests, for a peer that cannot do better.
    public static var allowingSHA1: SignaturePolicy {
        var p = SignaturePolicy()
        p.allowedSignatureAlgorithms.insert(.rsaSHA1)
        p.allowedDigestAlgorithms.insert(.sha1)
        return p
    }
}
