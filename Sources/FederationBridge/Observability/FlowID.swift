import Crypto
import Foundation

/// Identifies one sign-in flow in logs, pages and the store.
///
/// 128 random bits in lowercase base32 with a `fl-` prefix: not personal
/// data, safe to show the resident as a support reference.
public struct FlowID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public static func random() -> FlowID {
        let bytes = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        return FlowID(unchecked: "fl-" + Base32Text.encode(bytes))
    }

    /// Accepts only the form `random()` produces, so a hostile value never reaches a query or a log.
    public init?(_ text: String) {
        guard text.hasPrefix("fl-"), text.count == 29,
              text.dropFirst(3).utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x32 && $0 <= 0x37) })
        else { return nil }
        self.value = text
    }

    private init(unchecked value: String) { self.value = value }

    public var description: String { value }
}

/// Lowercase RFC 4648 base32 without padding.
enum Base32Text {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    static func encode(_ data: Data) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in data {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int((buffer >> UInt32(bits)) & 0x1F)])
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)]) }
        return String(decoding: output, as: UTF8.self)
    }
}
