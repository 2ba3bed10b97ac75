import Crypto
import Foundation

/// The only form in which an `openID` may appear in logs: HMAC-SHA256 under a
/// deployment key, truncated to 16 hex characters. Without the key the digest
/// cannot be linked back to the identifier, and it stays stable for correlation.
public enum OpenIDDigest {
    public static func compute(_ openID: String, key: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(openID.utf8), using: SymmetricKey(data: key))
        return mac.prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
