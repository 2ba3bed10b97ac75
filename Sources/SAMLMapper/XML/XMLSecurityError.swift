/// Why an XML document was refused or could not be processed.
///
/// Messages name the rule that was broken, never document content, so they
/// are safe to log.
public enum XMLSecurityError: Error, Sendable, Hashable, CustomStringConvertible {
    case tooLarge(limit: Int)
    case tooDeep(limit: Int)
    case doctypeForbidden
    case malformed(reason: String)
    case notNamespaceWellFormed
    case duplicateID(String)
    case notSimpleText(element: String)
    case canonicalizationFailed
    case serializationFailed

    public var description: String {
        switch self {
        case .tooLarge(let limit):
            return "XML document refused: larger than the \(limit)-byte limit"
        case .tooDeep(let limit):
            return "XML document refused: elements nested deeper than \(limit) levels"
        case .doctypeForbidden:
            return "XML document refused: a DOCTYPE (DTD, entity declaration) is not allowed in SAML messages"
        case .malformed(let reason):
            return "XML document refused: not well-formed (\(reason))"
        case .notNamespaceWellFormed:
            return "XML document refused: not namespace-well-formed (undeclared or invalid prefix)"
        case .duplicateID(let id):
            return "XML document refused: the ID value '\(id)' occurs more than once (possible signature wrapping)"
        case .notSimpleText(let element):
            return "element \(element) must contain only text, but has child elements"
        case .canonicalizationFailed:
            return "XML canonicalization failed"
        case .serializationFailed:
            return "XML serialization failed"
        }
    }
}
