import Crypto
import Foundation

/// The state that binds an iAM Smart callback to the flow that started it.
///
/// The service stores one per started sign-in (where is its choice: memory,
/// SQLite, PostgreSQL) keyed by `state`, and must delete it *before* calling
/// ``accept(_:flowID:now:)``: deleting first is what makes the state single use
/// even when two callbacks race.
public struct PendingAuthorization: Sendable, Hashable, Codable {
    /// 256 random bits, Base64URL; sent to `getQR` and echoed in the callback.
    public var state: String
    /// The service's own flow identifier this sign-in belongs to.
    public var flowID: String
    public var source: AuthorizationSource
    public var scopes: [String]
    public var createdAt: Date
    /// How long the resident has to finish in the app.
    public var lifetime: TimeInterval
    /// Set when this is a re-authentication: the digest of the session's openID.
    public var reauthenticatingOpenIDDigest: String?

    public init(
        flowID: String, source: AuthorizationSource, scopes: [String], createdAt: Date = Date(),
        lifetime: TimeInterval = 600, reauthenticatingOpenIDDigest: String? = nil
    ) {
        self.state = Self.randomState()
        self.flowID = flowID
        self.source = source
        self.scopes = scopes
        self.createdAt = createdAt
        self.lifetime = lifetime
        self.reauthenticatingOpenIDDigest = reauthenticatingOpenIDDigest
    }

    /// Checks a callback against this pending sign-in and returns its code.
    /// - Parameter flowID: the flow the callback arrived in (from the
    ///   resident's cookie), which must be the one that started the sign-in.
    public func accept(_ callback: CallbackParameters, flowID: String, now: Date = Date()) throws(IAMSmartError) -> String {
        guard let state = callback.state, Self.constantTimeEqual(state, self.state),
            Self.constantTimeEqual(flowID, self.flowID)
        else { throw .stateMismatch }
        guard now.timeIntervalSince(createdAt) <= lifetime, now >= createdAt.addingTimeInterval(-60) else {
            throw .stateExpiredOrUsed
        }
        if let error = callback.error { throw .declinedByUser(reason: error) }
        guard let code = callback.code, !code.isEmpty else { throw .missingAuthorizationCode }
        return code
    }

    static func randomState() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return bytes.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// The query of an iAM Smart callback: `code` and `state`, or `error`.
public struct CallbackParameters: Sendable, Hashable {
    public var code: String?
    public var state: String?
    /// Set when the resident declined (or iAM Smart failed) in the app. Kept to
    /// a short, printable token so it is safe to show in an error message.
    public var error: String?

    public init(code: String?, state: String?, error: String?) {
        self.code = code
        self.state = state
        self.error = error.map(Self.sanitised)
    }

    /// Reads `code`, `state` and `error` from callback query items.
    public init(queryItems: [URLQueryItem]) {
        func first(_ name: String) -> String? { queryItems.first { $0.name == name }?.value }
        self.init(code: first("code"), state: first("state"), error: first("error"))
    }

    private static func sanitised(_ value: String) -> String {
        String(
            value.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || "_-. 0123456789".unicodeScalars.contains($0)) }.prefix(64).map(
                Character.init))
    }
}
