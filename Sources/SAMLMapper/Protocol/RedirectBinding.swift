import Foundation

/// Why an HTTP-Redirect or HTTP-POST message was refused.
public enum BindingError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingMessage
    case duplicateParameter(String)
    case notBase64(String)
    case tooLarge(limit: Int)
    case inflate(RawDeflate.Failure)
    case signatureMissing
    case algorithmNotAllowed(String)
    case noTrustedKey(String)
    case signatureInvalid

    public var description: String {
        switch self {
        case .missingMessage: return "binding refused: no SAMLRequest or SAMLResponse parameter"
        case .duplicateParameter(let p): return "binding refused: parameter \(p) appears more than once"
        case .notBase64(let p): return "binding refused: \(p) is not valid base64"
        case .tooLarge(let limit): return "binding refused: message larger than \(limit) bytes"
        case .inflate(let f): return "binding refused: \(f)"
        case .signatureMissing: return "binding refused: the message must be signed (SigAlg and Signature are missing)"
        case .algorithmNotAllowed(let a): return "binding refused: SigAlg \(a) is not allowed by policy"
        case .noTrustedKey(let a): return "binding refused: no trusted key can check \(a) signatures"
        case .signatureInvalid: return "binding refused: the query-string signature does not verify (wrong key, altered or re-ordered query)"
        }
    }
}

/// The SAML HTTP-Redirect binding: DEFLATE + base64 + URL encoding, and the
/// detached signature over the exact query string.
public enum RedirectBinding {
    /// A message taken off a Redirect query string.
    public struct Message: Sendable {
        public var parameter: String
        public var xml: Data
        public var relayState: String?
        public var signatureAlgorithm: String?
        /// The octets the signature covers, rebuilt from the raw (still URL-encoded) values in spec order.
        public var signedOctets: Data?
        public var signature: Data?

        public var isSigned: Bool { signature != nil }
    }

    /// The query string (without `?`) for `xml`, signed when `key` is given.
    public static func encode(
        _ xml: Data, parameter: String = "SAMLRequest", relayState: String? = nil, key: SigningKey? = nil, algorithm: SignatureAlgorithm? = nil
    ) throws -> String {
        var query = parameter + "=" + percentEncode(RawDeflate.deflate(xml).base64EncodedString())
        if let relayState { query += "&RelayState=" + percentEncode(relayState) }
        guard let key else { return query }
        let alg = algorithm ?? key.defaultAlgorithm
        query += "&SigAlg=" + percentEncode(alg.uri)
        let signature = try key.sign(Data(query.utf8), algorithm: alg)
        return query + "&Signature=" + percentEncode(signature.base64EncodedString())
    }

    /// Parses a raw query string; size is capped before and during inflation.
    public static func decode(query: String, limits: XMLLimits = .default) throws -> Message {
        var raw: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard ["SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature"].contains(name) else { continue }
            guard raw[name] == nil else { throw BindingError.duplicateParameter(name) }
            raw[name] = parts.count > 1 ? String(parts[1]) : ""
        }
        let parameter: String
        if raw["SAMLRequest"] != nil, raw["SAMLResponse"] != nil { throw BindingError.duplicateParameter("SAMLRequest/SAMLResponse") }
        if raw["SAMLRequest"] != nil {
            parameter = "SAMLRequest"
        } else if raw["SAMLResponse"] != nil {
            parameter = "SAMLResponse"
        } else {
            throw BindingError.missingMessage
        }
        let encodedMessage = raw[parameter] ?? ""
        guard encodedMessage.utf8.count <= limits.maxBytes * 2 else { throw BindingError.tooLarge(limit: limits.maxBytes) }
        guard let compressed = Data(base64Encoded: percentDecode(encodedMessage, plusIsSpace: false)) else { throw BindingError.notBase64(parameter) }
        let xml: Data
        do { xml = try RawDeflate.inflate(compressed, limit: limits.maxBytes) } catch let f as RawDeflate.Failure { throw BindingError.inflate(f) }
        var message = Message(parameter: parameter, xml: xml, relayState: raw["RelayState"].map { percentDecode($0, plusIsSpace: true) })
        if let sigAlg = raw["SigAlg"], let signature = raw["Signature"] {
            var octets = parameter + "=" + encodedMessage
            if let relay = raw["RelayState"] { octets += "&RelayState=" + relay }
            octets += "&SigAlg=" + sigAlg
            message.signatureAlgorithm = percentDecode(sigAlg, plusIsSpace: true)
            message.signedOctets = Data(octets.utf8)
            guard let sig = Data(base64Encoded: percentDecode(signature, plusIsSpace: false)) else { throw BindingError.notBase64("Signature") }
            message.signature = sig
        }
        return message
    }

    /// Checks the detached signature against trusted keys under `policy`.
    public static func verifySignature(_ message: Message, trustedKeys: [SigningPublicKey], policy: SignaturePolicy = .default) throws {
        guard let algURI = message.signatureAlgorithm, let octets = message.signedOctets, let signature = message.signature else {
            throw BindingError.signatureMissing
        }
        guard let alg = SignatureAlgorithm(rawValue: algURI), policy.allowedSignatureAlgorithms.contains(alg) else {
            throw BindingError.algorithmNotAllowed(algURI)
        }
        let keys = trustedKeys.filter { $0.supports(alg) }
        guard !keys.isEmpty else { throw BindingError.noTrustedKey(algURI) }
        guard keys.contains(where: { $0.isValidSignature(signature, for: octets, algorithm: alg) }) else { throw BindingError.signatureInvalid }
    }

    /// Every octet but RFC 3986's unreserved ones percent-encoded.
    public static func percentEncode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func percentDecode(_ s: String, plusIsSpace: Bool) -> String {
        let t = plusIsSpace ? s.replacingOccurrences(of: "+", with: " ") : s
        return t.removingPercentEncoding ?? t
    }
}

/// The SAML HTTP-POST binding: base64 form field.
public enum POSTBinding {
    public static func decode(_ formValue: String, limits: XMLLimits = .default) throws -> Data {
        let compact = formValue.filter { !$0.isWhitespace }
        guard compact.utf8.count <= (limits.maxBytes / 3 + 1) * 4 else { throw BindingError.tooLarge(limit: limits.maxBytes) }
        guard let data = Data(base64Encoded: compact) else { throw BindingError.notBase64("SAMLRequest/SAMLResponse") }
        return data
    }

    public static func encode(_ xml: Data) -> String { xml.base64EncodedString() }
}
