import Crypto
import Foundation

/// Computes the iAM Smart request signature and the five signing headers.
///
/// `signature = URL-encode(Base64(HMAC-SHA256(clientSecret,
/// clientID + signatureMethod + timestamp + nonce + body)))`. The same code
/// verifies signatures in the sandbox, so both sides agree by construction;
/// tests check it against an independent `openssl dgst -hmac` computation.
public struct RequestSigner: Sendable {
    /// The only signature method iAM Smart defines.
    public static let signatureMethod = "HmacSHA256"

    public let clientID: String
    /// Raw secret; `SymmetricKey` is not `Sendable` on every platform.
    private let secret: Data

    public init(clientID: String, clientSecret: String) {
        self.clientID = clientID
        self.secret = Data(clientSecret.utf8)
    }

    /// The URL-encoded Base64 signature for one request.
    public func signature(timestamp: String, nonce: String, body: some DataProtocol) -> String {
        var message = Data((clientID + Self.signatureMethod + timestamp + nonce).utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return Self.urlEncode(Data(mac).base64EncodedString())
    }

    /// The five headers for one request.
    public func headers(timestamp: String, nonce: String, body: some DataProtocol) -> SignedHeaders {
        SignedHeaders(
            clientID: clientID,
            signatureMethod: Self.signatureMethod,
            timestamp: timestamp,
            nonce: nonce,
            signature: signature(timestamp: timestamp, nonce: nonce, body: body)
        )
    }

    /// Constant-time check of a received signature, for the sandbox.
    public func isValid(signature: String, timestamp: String, nonce: String, body: some DataProtocol) -> Bool {
        let expected = Array(self.signature(timestamp: timestamp, nonce: nonce, body: body).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        return difference == 0
    }

    /// Percent-encodes everything outside RFC 3986's unreserved set, which for
    /// Base64 means `+`, `/` and `=`.
    static func urlEncode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    /// RFC 3986 unreserved characters; built once, as every request signs several values.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

/// The five headers every iAM Smart API request carries.
public struct SignedHeaders: Sendable, Hashable {
    public var clientID: String
    public var signatureMethod: String
    public var timestamp: String
    public var nonce: String
    public var signature: String

    /// Header names as iAM Smart spells them.
    public static let names = ["clientID", "signatureMethod", "timestamp", "nonce", "signature"]

    public var pairs: [(String, String)] {
        [
            ("clientID", clientID), ("signatureMethod", signatureMethod), ("timestamp", timestamp),
            ("nonce", nonce), ("signature", signature),
        ]
    }
}
