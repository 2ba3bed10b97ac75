import Crypto
import Foundation
import Hummingbird

/// The resident's browser session: a random cookie and CSRF tokens bound to it.
///
/// The session ID is 256 random bits and a 128-bit tag under the server's
/// key, so only IDs this service issued are accepted: a value a client
/// chose (session fixation) is replaced by a fresh one. It carries no data;
/// what a session may do is in the (encrypted) flow state keyed elsewhere.
/// The flow rotates the ID when it starts and after the iAM Smart sign-in.
/// A CSRF token is
/// `HMAC-SHA256(csrfKey, "csrf" ‖ 0x00 ‖ sessionID ‖ 0x00 ‖ purpose)`, so it
/// needs no storage, is useless with another session, and is checked in
/// constant time.
public struct SessionManager: Sendable {
    /// The configured name, with the `__Host-` prefix when cookies are `Secure`
    /// (browsers then refuse the cookie from a sibling domain or a non-https page).
    public var cookieName: String
    /// `Secure` flag; off only for a plain-http loopback base URL.
    public var secure: Bool
    public var lifetime: Duration
    /// Bytes, because `SymmetricKey` is not `Sendable` in this swift-crypto release.
    private let csrfKeyBytes: Data
    private var csrfKey: SymmetricKey { SymmetricKey(data: csrfKeyBytes) }

    public init(cookieName: String, secure: Bool, lifetime: Duration, csrfKey: SymmetricKey) {
        self.cookieName = secure && !cookieName.hasPrefix("__Host-") ? "__Host-" + cookieName : cookieName
        self.secure = secure
        self.lifetime = lifetime
        self.csrfKeyBytes = csrfKey.withUnsafeBytes { Data($0) }
    }

    /// CSRF key derived from the flow-state key, so operators manage one secret fewer.
    public init(configuration: BridgeConfiguration) {
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: configuration.flow.stateKey, info: Data("federation-bridge csrf v1".utf8), outputByteCount: 32)
        self.init(
            cookieName: configuration.session.cookieName, secure: configuration.session.secureCookie,
            lifetime: configuration.session.lifetime, csrfKey: derived)
    }

    /// A fresh session ID: 32 random bytes and their 16-byte tag, base64url without padding.
    public func newSessionID() -> String {
        let random = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return (random + tag(random)).base64URLEncoded()
    }

    /// The session ID from the request's cookie, only if this service issued it.
    public func sessionID(in request: Request) -> String? {
        guard let value = request.cookies[cookieName]?.value, isIssued(value) else { return nil }
        return value
    }

    /// Whether `value` is an ID this service issued (checked in constant time).
    public func isIssued(_ value: String) -> Bool {
        guard Self.isWellFormed(value), let bytes = Data(base64URLEncoded: value), bytes.count == 48 else { return false }
        let random = bytes.prefix(32)
        let expected = tag(Data(random))
        return zip(expected, bytes.suffix(16)).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func tag(_ random: Data) -> Data {
        var message = Data("session\u{0}".utf8)
        message.append(random)
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: csrfKey).prefix(16))
    }

    static func isWellFormed(_ value: String) -> Bool {
        value.count == 64
            && value.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F
            }
    }

    /// HttpOnly, SameSite=Lax (the iAM Smart callback is a top-level GET
    /// navigation from another site and must carry it), Path=/, Secure
    /// unless serving plain loopback.
    public func cookie(for sessionID: String) -> Cookie {
        Cookie(
            name: cookieName, value: sessionID, maxAge: Int(lifetime.components.seconds), path: "/",
            secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// The CSRF token for a form in this session; `purpose` names the form (e.g. `consent`).
    public func csrfToken(sessionID: String, purpose: String = "consent") -> String {
        Data(HMAC<SHA256>.authenticationCode(for: csrfMessage(sessionID, purpose), using: csrfKey)).base64URLEncoded()
    }

    /// Constant-time check of a submitted token against the session.
    public func verifyCSRF(_ token: String?, sessionID: String?, purpose: String = "consent") -> Bool {
        guard let token, let sessionID, let mac = Data(base64URLEncoded: token), mac.count == 32 else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: csrfMessage(sessionID, purpose), using: csrfKey)
    }

    private func csrfMessage(_ sessionID: String, _ purpose: String) -> Data {
        Data("csrf\u{0}\(sessionID)\u{0}\(purpose)".utf8)
    }
}

extension Data {
    /// Base64url without padding (RFC 4648 §5). Maps bytes rather than
    /// calling `replacingOccurrences`, which bridges through NSString.
    func base64URLEncoded() -> String {
        var bytes = Array(base64EncodedData())
        while bytes.last == UInt8(ascii: "=") { bytes.removeLast() }
        for index in bytes.indices {
            switch bytes[index] {
            case UInt8(ascii: "+"): bytes[index] = UInt8(ascii: "-")
            case UInt8(ascii: "/"): bytes[index] = UInt8(ascii: "_")
            default: break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    init?(base64URLEncoded text: String) {
        var bytes = Array(text.utf8)
        for index in bytes.indices {
            switch bytes[index] {
            case UInt8(ascii: "-"): bytes[index] = UInt8(ascii: "+")
            case UInt8(ascii: "_"): bytes[index] = UInt8(ascii: "/")
            default: break
            }
        }
        while bytes.count % 4 != 0 { bytes.append(UInt8(ascii: "=")) }
        self.init(base64Encoded: Data(bytes))
    }
}
