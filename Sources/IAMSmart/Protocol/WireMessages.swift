import Foundation

/// iAM Smart's response envelope `{txID, code, message, content}`. `content` is
/// a plain object for `getKey` and a Base64 AES-GCM string everywhere else.
public struct Envelope<Content: Codable & Sendable>: Codable, Sendable {
    public var txID: String?
    public var code: String
    public var message: String?
    public var content: Content?

    public init(txID: String?, code: String, message: String?, content: Content?) {
        self.txID = txID
        self.code = code
        self.message = message
        self.content = content
    }

    public static var successCode: String { "D00000" }
}

/// Well-known result codes.
public enum ResultCode {
    public static let success = "D00000"
    public static let badSignature = "D20006"
    public static let callbackNotRegistered = "D20008"
    public static let contentKeyExpired = "D30002"
    public static let decryptionFailed = "D30004"
    /// A profile or e-ME request the resident has not approved in the app yet.
    /// The public material names no code for this; these three are the
    /// sandbox's, to be set to iAM Smart's own when onboarding.
    public static let requestPending = "D40005"
    /// The resident declined the data request in the app.
    public static let requestDeclined = "D40006"
    /// The data request expired before the resident answered.
    public static let requestExpired = "D40007"
}

/// API paths, relative to the base URL.
public enum APIPath {
    public static let getQR = "/api/v1/auth/getQR"
    public static let getToken = "/api/v1/auth/getToken"
    public static let getKey = "/api/v1/security/getKey"
    public static let revokeKey = "/api/v1/security/revokeKey"
    public static let profileInitiate = "/api/v1/account/auth/profile/initiateRequest"
    public static let eMEInitiate = "/api/v1/account/auth/eme/initiateRequest"
    public static let profiles = "/api/v1/profiles"
}

/// Body of every encrypted request: `{"content": Base64(envelope)}`.
public struct EncryptedBody: Codable, Sendable {
    public var content: String
    public init(content: String) { self.content = content }
}

/// `getKey` content.
public struct KeyContent: Codable, Sendable {
    /// Base64 of the CEK, RSA-encrypted to the service's certificate.
    public var secretKey: String
    /// Epoch milliseconds.
    public var issueAt: Int64
    /// Milliseconds.
    public var expiresIn: Int64

    public init(secretKey: String, issueAt: Int64, expiresIn: Int64) {
        self.secretKey = secretKey
        self.issueAt = issueAt
        self.expiresIn = expiresIn
    }
}

/// `getToken` request.
public struct TokenRequest: Codable, Sendable {
    public var code: String
    public var grantType: String
    public init(code: String, grantType: String = "authorization_code") {
        self.code = code
        self.grantType = grantType
    }
}

/// `getToken` content.
public struct TokenContent: Codable, Sendable {
    public var accessToken: String
    public var tokenType: String
    public var issueAt: Int64
    public var expiresIn: Int64
    public var openID: String
    public var lastModifiedDate: Int64?
    public var userType: String?
    /// Space- or comma-separated scopes granted.
    public var scope: String

    public init(
        accessToken: String, tokenType: String, issueAt: Int64, expiresIn: Int64, openID: String,
        lastModifiedDate: Int64?, userType: String?, scope: String
    ) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.issueAt = issueAt
        self.expiresIn = expiresIn
        self.openID = openID
        self.lastModifiedDate = lastModifiedDate
        self.userType = userType
        self.scope = scope
    }
}

/// Profile / e-ME `initiateRequest` request.
public struct InitiateRequest: Codable, Sendable {
    public var accessToken: String
    public var openID: String
    public var source: String
    public var profileFields: [String]?
    public var eMEFields: [String]?

    public init(accessToken: String, openID: String, source: String, profileFields: [String]?, eMEFields: [String]?) {
        self.accessToken = accessToken
        self.openID = openID
        self.source = source
        self.profileFields = profileFields
        self.eMEFields = eMEFields
    }
}

/// `initiateRequest` content.
public struct InitiateContent: Codable, Sendable {
    /// What the QR code (or app hand-off link) carries for the approval in the app.
    public var authByQR: String
    public var ticketID: String
    public init(authByQR: String, ticketID: String) {
        self.authByQR = authByQR
        self.ticketID = ticketID
    }
}

/// `profiles` request.
public struct ProfilesRequest: Codable, Sendable {
    public var accessToken: String
    public var openID: String
    public var ticketID: String?
    public var profileFields: [String]
    public var eMEFields: [String]

    public init(accessToken: String, openID: String, ticketID: String?, profileFields: [String], eMEFields: [String]) {
        self.accessToken = accessToken
        self.openID = openID
        self.ticketID = ticketID
        self.profileFields = profileFields
        self.eMEFields = eMEFields
    }
}
