import Foundation
import PKCS11Token

/// Everything the client needs to talk to one iAM Smart environment as one
/// registered online service.
///
/// Values whose public description is uncertain (the RSA padding of the content
/// key, which `userType` values mean iAM Smart+) are configuration rather than
/// constants, so an operator can match the environment without a rebuild.
public struct IAMSmartConfiguration: Sendable {
    /// Base URL of the iAM Smart API, for example `https://apigw.iamsmart.gov.hk`
    /// or the sandbox's `http://127.0.0.1:PORT`. Paths such as `/api/v1/auth/getQR`
    /// are appended to it.
    public var baseURL: URL
    /// The online service's client ID, sent in the `clientID` header and query.
    public var clientID: String
    /// The shared secret used for the HMAC-SHA256 request signature.
    public var clientSecret: String
    /// PEM of the RSA private key whose certificate is registered with iAM Smart;
    /// it unwraps the content encryption key (CEK). PKCS#1 or PKCS#8.
    public var privateKeyPEM: String
    /// The same key kept in a PKCS#11 token instead; when set, the CEK is
    /// unwrapped inside the token and `privateKeyPEM` is not used.
    public var tokenPrivateKey: TokenKey?
    /// RSA padding iAM Smart uses when it encrypts the CEK to our certificate.
    public var contentKeyPadding: ContentKeyPadding
    /// The CEK is treated as expired this long before `issueAt + expiresIn`,
    /// so a request never races the key's expiry on the way to iAM Smart.
    public var contentKeyExpiryMargin: Duration
    /// Connection and whole-request timeouts.
    public var timeouts: Timeouts
    /// The callback registered with iAM Smart; `getQR` sends it as `redirectURI`.
    public var redirectURI: String
    /// Scopes requested at sign-in, for example `eidapi_auth`, `eidapi_profiles`.
    public var scopes: [String]
    /// Language of the iAM Smart pages: `en-US`, `zh-HK` or `zh-CN`.
    public var lang: String
    /// `userType` values in the token response that mean an iAM Smart+ account.
    /// Not documented publicly, hence configurable; see docs/iamsmart.md.
    public var plusUserTypes: Set<String>
    /// Key for the digest that stands in for `openID` in logs. Keep it stable
    /// across restarts (and secret) if log lines must be correlated over time.
    public var logDigestKey: Data
    /// Largest response body the client reads, in bytes.
    public var maximumResponseBytes: Int

    public init(
        baseURL: URL,
        clientID: String,
        clientSecret: String,
        privateKeyPEM: String,
        tokenPrivateKey: TokenKey? = nil,
        contentKeyPadding: ContentKeyPadding = .oaepSHA1,
        contentKeyExpiryMargin: Duration = .seconds(30),
        timeouts: Timeouts = Timeouts(),
        redirectURI: String,
        scopes: [String] = ["eidapi_auth"],
        lang: String = "en-US",
        plusUserTypes: Set<String> = ["iAMSmartPlus"],
        logDigestKey: Data = Data((0..<32).map { _ in UInt8.random(in: 0...255) }),
        maximumResponseBytes: Int = 1 << 20
    ) {
        self.baseURL = baseURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.privateKeyPEM = privateKeyPEM
        self.tokenPrivateKey = tokenPrivateKey
        self.contentKeyPadding = contentKeyPadding
        self.contentKeyExpiryMargin = contentKeyExpiryMargin
        self.timeouts = timeouts
        self.redirectURI = redirectURI
        self.scopes = scopes
        self.lang = lang
        self.plusUserTypes = plusUserTypes
        self.logDigestKey = logDigestKey
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// Connect and total timeouts. iAM Smart calls sit inside a resident's
    /// browser round trip, so they fail fast rather than hang the page.
    public struct Timeouts: Sendable, Hashable {
        /// Time allowed to open the TCP (and TLS) connection.
        public var connect: Duration
        /// Time allowed for the whole request, including reading the response.
        public var total: Duration

        public init(connect: Duration = .seconds(3), total: Duration = .seconds(10)) {
            self.connect = connect
            self.total = total
        }
    }
}

/// RSA padding of the CEK in the `getKey` response. Public client code shows
/// both; the default is OAEP with SHA-1 (MGF1-SHA1).
public enum ContentKeyPadding: String, Sendable, Hashable, CaseIterable, Codable {
    /// RSAES-OAEP with SHA-1 and MGF1-SHA1 (swift-crypto `_CryptoExtras`).
    case oaepSHA1 = "oaep-sha1"
    /// RSAES-PKCS1-v1_5 (libcrypto: swift-crypto has no PKCS#1 v1.5 encryption).
    case pkcs1v15 = "pkcs1-v1_5"
}
