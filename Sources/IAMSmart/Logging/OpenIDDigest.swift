import Crypto
import Foundation

/// The only form in which an `openID` may appear in logs: HMAC-SHA256 under a
/// deployment key, truncated to 16 hex characters. Without the key the digest
/// cannot be linked back to the identifier, and it stays stable for correlation.
public enum OpenIDDigest {
    public static func compute(_ openID: String, key: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(openID.utf8), using: SymmetricKey(data: key))
        let prefix = mac.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let digits = String(prefix, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
