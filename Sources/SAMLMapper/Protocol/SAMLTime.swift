import Foundation

/// SAML `xs:dateTime` values: always written in UTC with millisecond precision.
public enum SAMLTime {
    public static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    public static func date(_ string: String) -> Date? {
        let s = string.trimmingCharacters(in: .whitespaces)
        if let d = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(s) { return d }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(s)
    }
}

/// Random message and assertion IDs: 160 bits, prefixed so they are valid `xs:ID`s.
public enum SAMLIdentifier {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return "_" + (0..<20).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

/// Why a SAML message could not be read.
public enum SAMLProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    case unexpectedElement(expected: String, found: String)
    case missing(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .unexpectedElement(let expected, let found): return "SAML message refused: expected \(expected), found \(found)"
        case .missing(let what): return "SAML message refused: \(what) is missing"
        case .invalid(let what): return "SAML message refused: \(what) is invalid"
        }
    }
}

extension XMLElement {
    func expect(_ localName: String, _ namespace: String) throws {
        guard isNamed(localName, in: namespace) else {
            throw SAMLProtocolError.unexpectedElement(expected: localName, found: qualifiedName)
        }
    }

    func required(_ name: String) throws -> String {
        guard let v = attribute(name) else { throw SAMLProtocolError.missing("\(localName)@\(name)") }
        return v
    }

    func requiredDate(_ attribute: String) throws -> Date {
        guard let d = SAMLTime.date(try required(attribute)) else { throw SAMLProtocolError.invalid("\(localName)@\(attribute)") }
        return d
    }

    func optionalDate(_ attribute: String) throws -> Date? {
        guard let s = self.attribute(attribute) else { return nil }
        guard let d = SAMLTime.date(s) else { throw SAMLProtocolError.invalid("\(localName)@\(attribute)") }
        return d
    }

    func issuerText() throws -> String? {
        try firstChild("Issuer", in: XMLNamespaces.saml)?.trimmedText()
    }
}

func issuerBuilder(_ issuer: String) -> XMLBuilder {
    XMLBuilder("Issuer", .saml, text: issuer, attributes: [("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")])
}
