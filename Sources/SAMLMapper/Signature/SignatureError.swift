/// Why a signature was refused. Each hostile shape has its own case so that
/// logs and tests can tell them apart.
public enum SignatureError: Error, Sendable, Hashable, CustomStringConvertible {
    case signatureMissing(element: String)
    case multipleSignatures(element: String)
    case malformed(String)
    case algorithmNotAllowed(String)
    case referenceCount(Int)
    case referenceNotLocal(String)
    case signedElementHasNoID(element: String)
    case referenceToOtherElement(reference: String, signedElementID: String)
    case transformNotAllowed(String)
    case tooManyTransforms(Int)
    case missingEnvelopedTransform
    case objectNotAllowed
    case digestMismatch
    case noTrustedKey(algorithm: String)
    case signatureInvalid
    case notSigned(element: String)

    public var description: String {
        switch self {
        case .signatureMissing(let e): return "signature refused: \(e) carries no ds:Signature"
        case .multipleSignatures(let e): return "signature refused: \(e) carries more than one ds:Signature"
        case .malformed(let why): return "signature refused: malformed ds:Signature (\(why))"
        case .algorithmNotAllowed(let uri): return "signature refused: algorithm \(uri) is not allowed by policy"
        case .referenceCount(let n): return "signature refused: SignedInfo has \(n) References; the SAML profile requires exactly one"
        case .referenceNotLocal(let uri): return "signature refused: Reference URI '\(uri)' is not '#' followed by the signed element's ID"
        case .signedElementHasNoID(let e): return "signature refused: \(e) has no ID attribute for the Reference to point at"
        case .referenceToOtherElement(let ref, let id):
            return "signature refused: Reference points at '\(ref)' but the signed element's ID is '\(id)' (signature wrapping?)"
        case .transformNotAllowed(let uri): return "signature refused: transform \(uri) is not allowed by the SAML profile"
        case .tooManyTransforms(let n): return "signature refused: \(n) transforms; at most enveloped-signature and exc-c14n are allowed"
        case .missingEnvelopedTransform: return "signature refused: the enveloped-signature transform is missing"
        case .objectNotAllowed: return "signature refused: ds:Object is not allowed in a SAML signature"
        case .digestMismatch: return "signature refused: digest mismatch, the signed content was changed"
        case .noTrustedKey(let alg): return "signature refused: no trusted key can check \(alg) signatures"
        case .signatureInvalid: return "signature refused: SignatureValue does not verify with any trusted key"
        case .notSigned(let e): return "\(e) is not signed"
        }
    }
}
