/// Why a key could not be loaded or used.
public enum SigningKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    case unsupportedKey(String)
    case algorithmMismatch(key: String, algorithm: String)
    case openSSL(String)

    public var description: String {
        switch self {
        case .unsupportedKey(let what):
            return "key not usable: \(what) (expected an RSA of 2048 bits or more, P-256 or SM2 key in PEM)"
        case .algorithmMismatch(let key, let algorithm):
            return "a \(key) key cannot make or check a \(algorithm) signature"
        case .openSSL(let what):
            return "libcrypto failed during \(what)"
        }
    }
}
