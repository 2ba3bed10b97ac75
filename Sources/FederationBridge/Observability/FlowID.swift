import Crypto
import Foundation
import SAMLMapper

/// Identifies one sign-in flow in logs, pages and the store.
///
/// 128 random bits in lowercase base32 with a `fl-` prefix: not personal
/// data, safe to show the resident as a support reference.
public struct FlowID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public static func random() -> FlowID {
        let bytes = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        return FlowID(unchecked: "fl-" + Base32.lowercaseEncode(bytes))
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

    /// The ID of the one Assertion (or refusal) a flow's verdict is logged
    /// under: the flow reference the resident sees, as an `xs:ID`, so a
    /// reviewer finds the transfer log entry by that reference.
    public var assertionID: String { "_" + value }
}
