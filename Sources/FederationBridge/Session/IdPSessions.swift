@preconcurrency import Crypto
import Foundation
import Hummingbird
import PIAChecks

/// The resident's session at the bridge as an identity provider: which
/// relying parties received an Assertion from this browser, so Single
/// Logout can end them all.
///
/// The browser holds only a random, server-tagged ID in an HttpOnly cookie
/// of its own (not the flow session, which rotates per sign-in); the store
/// keys the session by a digest of that ID and holds pseudonymous values
/// only (partner, pairwise NameID, SessionIndex).
struct IdPSessions: Sendable {
    let store: any StateStore
    /// Issues and checks the cookie's IDs, under a key of its own.
    let cookies: SessionManager
    let lifetime: Duration

    init(configuration: BridgeConfiguration, store: any StateStore) {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: configuration.flow.stateKey, info: Data("federation-bridge idp session v1".utf8), outputByteCount: 32)
        self.store = store
        self.lifetime = configuration.saml.sessionLifetime
        self.cookies = SessionManager(
            cookieName: configuration.session.cookieName + "_idp", secure: configuration.session.secureCookie, lifetime: lifetime,
            csrfKey: key)
    }

    /// The store's key for a cookie value: the store never learns the value itself.
    static func storeKey(_ cookieValue: String) -> String {
        "idp-" + SHA256.hash(data: Data(cookieValue.utf8)).hex
    }

    /// Adds `participant` to the browser's IdP session (a new one when the
    /// browser has none) and returns the cookie to set, renewed.
    func join(_ request: Request, participant: SessionParticipant, now: Date) async throws -> Cookie {
        let id = cookies.sessionID(in: request) ?? cookies.newSessionID()
        let expiresAt = now.addingTimeInterval(Double(lifetime.components.seconds))
        try await store.joinIdPSession(key: Self.storeKey(id), participant: participant, expiresAt: expiresAt)
        return cookies.cookie(for: id)
    }

    /// A cookie that removes the browser's IdP session ID.
    var removalCookie: Cookie {
        Cookie(name: cookies.cookieName, value: "", maxAge: 0, path: "/", secure: cookies.secure, httpOnly: true, sameSite: .lax)
    }
}
