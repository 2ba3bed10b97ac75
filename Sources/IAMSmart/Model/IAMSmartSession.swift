/// A signed-in resident as the bridge holds it after `getToken`.
///
/// `description` shows only the keyed digest of `openID`, so a session can be
/// logged or interpolated without leaking the identifier.
public struct IAMSmartSession: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The per-service pseudonymous identifier. Personal data: never log it.
    public var openID: String
    /// Keyed digest of `openID`, for logs and correlation.
    public var openIDDigest: String
    public var accessToken: String
    /// Epoch milliseconds after which the access token is no longer valid.
    public var accessTokenExpiresAt: Int64
    public var grantedScopes: [String]
    public var userType: String?
    public var assurance: Assurance

    public init(
        openID: String, openIDDigest: String, accessToken: String, accessTokenExpiresAt: Int64,
        grantedScopes: [String], userType: String?, assurance: Assurance
    ) {
        self.openID = openID
        self.openIDDigest = openIDDigest
        self.accessToken = accessToken
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.grantedScopes = grantedScopes
        self.userType = userType
        self.assurance = assurance
    }

    public var description: String {
        "IAMSmartSession(openID#\(openIDDigest), assurance: \(assurance), scopes: \(grantedScopes.joined(separator: " ")))"
    }
}
