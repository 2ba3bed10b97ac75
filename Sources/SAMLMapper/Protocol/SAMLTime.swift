import Crypto
import Foundation

/// SAML `xs:dateTime` values: always written in UTC with millisecond precision.
public enum SAMLTime {
    /// Made once: building a format style costs more than formatting with it.
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let withoutFraction = Date.ISO8601FormatStyle(timeZone: .gmt)

    /// Every Response carries half a dozen instants, so the years SAML
    /// messages use (1970 to 9999) are written by arithmetic, a tenth of
    /// the format style's cost; the format style writes the rest.
    public static func string(_ date: Date) -> String {
        // From the reference date, as Date keeps it, and the fraction cut to
        // milliseconds as the format style cuts it.
        let sinceReference = date.timeIntervalSinceReferenceDate
        let wholeSeconds = sinceReference.rounded(.down)
        guard wholeSeconds >= -978_307_200, wholeSeconds < 252_423_993_600 else { return withFraction.format(date) }
        let milliseconds = (Int64(wholeSeconds) + 978_307_200) * 1000 + Int64((sinceReference - wholeSeconds) * 1000)
        let (days, millisecondOfDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let (year, month, day) = civilDate(daysSince1970: days)
        var text = [UInt8]()
        text.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        digits(year, 4)
        text.append(UInt8(ascii: "-"))
        digits(month, 2)
        text.append(UInt8(ascii: "-"))
        digits(day, 2)
        text.append(UInt8(ascii: "T"))
        digits(millisecondOfDay / 3_600_000, 2)
        text.append(UInt8(ascii: ":"))
        digits(millisecondOfDay / 60_000 % 60, 2)
        text.append(UInt8(ascii: ":"))
        digits(millisecondOfDay / 1000 % 60, 2)
        text.append(UInt8(ascii: "."))
        digits(millisecondOfDay % 1000, 3)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (days ≥ 0), by
    /// the era arithmetic of Hinnant's `civil_from_days`.
    static func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
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
