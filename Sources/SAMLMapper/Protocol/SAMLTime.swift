import Crypto
import Foundation

/// SAML `xs:dateTime` values: always written in UTC with millisecond precision.
public enum SAMLTime {
    /// Made once: building a format style costs more than formatting with it.
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let withoutFraction = Date.ISO8601FormatStyle(timeZone: .gmt)

    public static func string(_ date: Date) -> String {
        withFraction.format(date)
    }

    public static func date(_ string: String) -> Date? {
        let s = string.trimmingCharacters(in: .whitespaces)
        if let d = try? withFraction.parse(s) { return d }
        return try? withoutFraction.parse(s)
    }
}

/// Random message and assertion IDs: 160 bits, prefixed so they are valid `xs:ID`s.
public enum SAMLIdentifier {
    public static func make() -> String {
        // One draw from swift-crypto's generator; the system generator
        // would make a system call per word.
        SymmetricKey(size: SymmetricKeySize(bitCount: 160)).withUnsafeBytes { random in
            var id: [UInt8] = [UInt8(ascii: "_")]
            id.reserveCapacity(41)
            for byte in random {
                for nibble in [byte >> 4, byte & 0x0F] {
                    id.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
                }
            }
            return String(decoding: id, as: UTF8.self)
        }
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
