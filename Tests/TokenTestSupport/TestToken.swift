import Foundation
import PKCS11Token

/// The SoftHSM2 token `scripts/test.sh` creates, for every test target that
/// keeps keys in a token; nil (and those tests skip) without it.
public enum TestToken {
    public static let configuration = TokenConfiguration(environment: ProcessInfo.processInfo.environment, prefix: "FB_TEST_PKCS11_")
    public static var available: Bool { configuration != nil }

    /// Raised when a test asks for the token and none is set up.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "no test token: run the tests through scripts/test.sh (FB_TEST_PKCS11_*)" }
    }

    public static func open() throws -> Token {
        guard let configuration else { throw Missing() }
        return try Token(configuration)
    }

    /// A fresh key labelled `prefix` and a random suffix. SoftHSM2 keeps the
    /// token in files that other test processes write at the same time, and
    /// now and then answers a key generation with CKR_GENERAL_ERROR; a second
    /// try is what an operator would do, and what this does, twice at most.
    public static func key(_ type: TokenKeyType, labelled prefix: String) throws -> TokenKey {
        for attempt in 1...3 {
            do {
                return try open().generateKey(type, label: "\(prefix)-\(UUID().uuidString.prefix(8))")
            } catch TokenError.call("C_GenerateKeyPair", _) where attempt < 3 {
                continue
            }
        }
        throw TokenError.call("C_GenerateKeyPair", returnValue: 0)
    }
}
