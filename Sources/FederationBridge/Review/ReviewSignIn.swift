import Crypto
import Foundation
import Hummingbird
import HummingbirdAuth
import PIAChecks

/// Reviewer sign-in: a server session behind an HttpOnly cookie, sign-out,
/// and throttling of failed passwords.
///
/// Sessions live in the state store (SQLite, or PostgreSQL shared by every
/// instance) under the SHA-256 of their token, so a reader of the store
/// cannot take one over. Failed passwords are counted per user name by one
/// atomic statement (`StateStore.recordFailedSignIn`): after `failureLimit`
/// failures within `failureWindow` the name is locked for `lockout`, on
/// every instance, and while it is locked not even the right password opens it.
public struct ReviewSignIn: Sendable {
    public static let cookieName = "fb_review"

    let store: any StateStore
    let accounts: ReviewAccounts
    /// The cookie's `Secure` flag: off only for a plain-http loopback base URL.
    let secureCookie: Bool
    let sessionLifetime: Duration
    let failureLimit: Int
    let failureWindow: Duration
    let lockout: Duration

    public init(
        store: any StateStore, accounts: ReviewAccounts, secureCookie: Bool, sessionLifetime: Duration = .seconds(3600),
        failureLimit: Int = 5, failureWindow: Duration = .seconds(900), lockout: Duration = .seconds(900)
    ) {
        self.store = store
        self.accounts = accounts
        self.secureCookie = secureCookie
        self.sessionLifetime = sessionLifetime
        self.failureLimit = failureLimit
        self.failureWindow = failureWindow
        self.lockout = lockout
    }

    public enum Outcome: Sendable, Equatable {
        case signedIn(Reviewer)
        case refused
        /// Too many failures: nothing is checked until then.
        case locked(until: Date)
    }

    /// Checks a name and password, counting a failure and honouring a lock.
    public func signIn(username: String, password: String, now: Date = Date()) async throws -> Outcome {
        let key = Self.throttleKey(username)
        if let failures = try await store.failedSignIns(key: key, now: now), failures.isLocked(at: now) {
            return .locked(until: failures.lockedUntil)
        }
        if let reviewer = await accounts.authenticate(username: username, password: password) {
            try await store.clearFailedSignIns(key: key)
            return .signedIn(reviewer)
        }
        let failures = try await store.recordFailedSignIn(
            key: key, now: now, windowEnds: now.addingTimeInterval(Self.seconds(failureWindow)), limit: failureLimit,
            lockedUntil: now.addingTimeInterval(Self.seconds(lockout)))
        return failures.isLocked(at: now) ? .locked(until: failures.lockedUntil) : .refused
    }

    /// Starts a session; the cookie to set.
    func startSession(for reviewer: Reviewer, path: String, now: Date = Date()) async throws -> Cookie {
        let token = Data(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        try await store.putFlow(
            id: Self.sessionKey(token), sealed: Data(reviewer.username.utf8),
            expiresAt: now.addingTimeInterval(Self.seconds(sessionLifetime)))
        return Cookie(
            name: Self.cookieName, value: token, maxAge: Int(sessionLifetime.components.seconds), path: path, secure: secureCookie,
            httpOnly: true, sameSite: .strict)
    }

    /// The reviewer whose live session the request carries, if the account still exists.
    func reviewer(for request: Request, now: Date = Date()) async -> Reviewer? {
        guard let token = request.cookies[Self.cookieName]?.value, Self.isWellFormed(token),
            let stored = try? await store.flow(id: Self.sessionKey(token), now: now),
            let username = String(data: stored, encoding: .utf8), accounts.usernames.contains(username)
        else { return nil }
        return Reviewer(username: username)
    }

    /// Ends the request's session; the cookie that clears it in the browser.
    func endSession(_ request: Request, path: String) async -> Cookie {
        if let token = request.cookies[Self.cookieName]?.value, Self.isWellFormed(token) {
            try? await store.deleteFlow(id: Self.sessionKey(token))
        }
        return Cookie(name: Self.cookieName, value: "", maxAge: 0, path: path, secure: secureCookie, httpOnly: true, sameSite: .strict)
    }

    static func sessionKey(_ token: String) -> String {
        "review-session:" + SHA256.hash(data: Data(token.utf8)).hex
    }

    /// Per user name, known or not (so guessing names gains nothing), as a
    /// digest so any input makes a short key.
    static func throttleKey(_ username: String) -> String {
        "review-sign-in:" + SHA256.hash(data: Data(username.utf8)).hex
    }

    static func isWellFormed(_ token: String) -> Bool {
        token.count == 43
            && token.utf8.allSatisfy {
                $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0)
                    || (0x61...0x7A).contains($0)
            }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
