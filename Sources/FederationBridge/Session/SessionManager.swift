import Crypto
import Foundation
import Hummingbird

/// The resident's browser session: a random cookie and CSRF tokens bound to it.
///
/// The session ID is 256 random bits and carries no data; what a session
/// may do is in the (encrypted) flow state keyed elsewhere. A CSRF token is
/// `HMAC-SHA256(csrfKey, "csrf" ‖ 0x00 ‖ sessionID ‖ 0x00 ‖ purpose)`, so it
/// needs no storage, is useless with another session, and is checked in
/// constant time.
public struct SessionManager: Sendable {
    public var cookieName: String
    /// `Secure` flag; off only for a plain-http loopback base URL.
    public var secure: Bool
    public var lifetime: Duration
    /// Bytes, because `SymmetricKey` is not `Sendable` in this swift-crypto release.
    private let csrfKeyBytes: Data
    private var csrfKey: SymmetricKey { SymmetricKey(data: csrfKeyBytes) }

    public init(cookieName: String, secure: Bool, lifetime: Duration, csrfKey: SymmetricKey) {
        self.cookieName = cookieName
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

    /// A fresh session ID: 32 random bytes, base64url without padding.
    public static func newSessionID() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64URLEncoded()
    }

    /// The session ID from the request's cookie, if well formed.
    public func sessionID(in request: Request) -> String? {
        guard let value = request.cookies[cookieName]?.value, Self.isWellFormed(value) else { return nil }
        return value
    }

    static func isWellFormed(_ value: String) -> Bool {
        value.count == 43 && value.utf8.allSatisfy { byte in
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
    func base64URLEncoded() -> String {
        base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        self.init(base64Encoded: base64)
    }
}
