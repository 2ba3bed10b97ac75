import Crypto
import Foundation

/// The byte form of log entries, fixed so anyone can recompute a leaf hash.
///
/// Canonical JSON here means: UTF-8; object keys sorted by their UTF-8 bytes;
/// no whitespace between tokens; `/` not escaped; only strings, integers,
/// booleans, arrays and objects (no floating point); times as RFC 3339 UTC
/// strings with milliseconds, e.g. `2026-01-02T03:04:05.678Z`.
public enum CanonicalJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    public static func timestamp(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = Double(millis / 1000)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        let ms = Int(((millis % 1000) + 1000) % 1000)
        return String(
            format: "%04ld-%02ld-%02ldT%02ld:%02ld:%02ld.%03ldZ",
            c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0, ms)
    }

    public static func parseTimestamp(_ text: String) -> Date? {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? style.parse(text)
    }
}

/// The on-disk shape of an entry; `seq` is inside the hashed bytes so a
/// body moved to another row no longer matches that row.
struct EntryBody: Codable {
    var assertionID: String
    var attributes: [AttributeBody]
    var checks: [CheckBody]
    var consentDigest: String
    var decision: String
    var legalBasis: String
    var purpose: String
    var recipient: String
    var seq: Int
    var subjectDigest: String
    var time: String
    var version: Int

    struct AttributeBody: Codable {
        var name: String
        var transforms: [String]
    }

    struct CheckBody: Codable {
        var id: String
        var passed: Bool
        var reason: String
    }

    init(seq: Int, entry: TransferLogEntry) {
        assertionID = entry.assertionID
        attributes = entry.attributes.map { AttributeBody(name: $0.name, transforms: $0.transforms) }
        checks = entry.checks.map { CheckBody(id: $0.id, passed: $0.passed, reason: $0.reason) }
        consentDigest = entry.consentDigest
        decision = entry.decision.rawValue
        legalBasis = entry.legalBasis
        purpose = entry.purpose
        recipient = entry.recipient
        self.seq = seq
        subjectDigest = entry.subjectDigest
        time = CanonicalJSON.timestamp(entry.time)
        version = 1
    }

    static func encode(seq: Int, entry: TransferLogEntry) throws -> Data {
        try CanonicalJSON.encode(EntryBody(seq: seq, entry: entry))
    }

    static func decode(_ data: Data) throws -> (seq: Int, entry: TransferLogEntry) {
        let body = try JSONDecoder().decode(EntryBody.self, from: data)
        guard let time = CanonicalJSON.parseTimestamp(body.time), let decision = TransferDecision(rawValue: body.decision) else {
            throw TransferLogError.corrupt("entry \(body.seq) has an unreadable time or decision")
        }
        let entry = TransferLogEntry(
            time: time, recipient: body.recipient, purpose: body.purpose, legalBasis: body.legalBasis,
            attributes: body.attributes.map { ReleasedAttribute(name: $0.name, transforms: $0.transforms) },
            checks: body.checks.map { CheckResult(id: $0.id, passed: $0.passed, reason: $0.reason) },
            consentDigest: body.consentDigest, subjectDigest: body.subjectDigest,
            assertionID: body.assertionID, decision: decision)
        return (body.seq, entry)
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex. Digests name store rows on every request, so this
    /// avoids `String(format:)`, which costs microseconds per byte.
    public var hex: String {
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(Self.hexDigit(byte >> 4))
            out.append(Self.hexDigit(byte & 0x0F))
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

extension Data {
    /// Parses lower- or upper-case hex; `nil` on any other character.
    init?(hex: String) {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next() {
            guard let low = iterator.next(), let h = Self.nibble(high), let l = Self.nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        self.init(bytes)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}

extension SHA256.Digest {
    var data: Data { Data(self) }
}
