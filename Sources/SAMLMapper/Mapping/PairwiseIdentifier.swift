import Crypto
import Foundation

/// The pairwise persistent subject identifier one relying party sees.
///
/// `HMAC-SHA256(secret, openID ‖ 0x00 ‖ recipientEntityID)`, written in
/// lowercase RFC 4648 base32 without padding (52 characters). The zero byte
/// keeps `("ab", "c")` and `("a", "bc")` apart; the secret keeps the
/// identifier from being recomputed by anyone who learns an openID; a
/// different value per recipient keeps recipients from linking residents.
public struct PairwiseIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// NameID format to use with this value (never `transient`).
    public static let nameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"

    /// The 52-character base32 value used as the NameID.
    public let value: String
    /// Scope of the `pairwise-id` attribute (a domain the bridge controls).
    public let scope: String
    /// The recipient the identifier was made for (SPNameQualifier).
    public let recipientEntityID: String

    public init(secret: SymmetricKey, openID: String, recipientEntityID: String, scope: String) {
        var message = Data(openID.utf8)
        message.append(0)
        message.append(contentsOf: recipientEntityID.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: secret)
        self.value = Base32.lowercaseEncode(Data(mac))
        self.scope = scope
        self.recipientEntityID = recipientEntityID
    }

    /// `value@scope`, the form the OASIS `pairwise-id` attribute requires.
    public var scopedValue: String { "\(value)@\(scope)" }

    public var description: String { value }
}

/// RFC 4648 base32, lowercase, no padding: safe in the `pairwise-id` syntax
/// (`[a-zA-Z0-9][a-zA-Z0-9=-]{0,126}`) and case-insensitive comparisons.
enum Base32 {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    static func lowercaseEncode(_ data: Data) -> String {
        var output = [UInt8]()
        output.reserveCapacity((data.count * 8 + 4) / 5)
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
        if bits > 0 {
            output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
