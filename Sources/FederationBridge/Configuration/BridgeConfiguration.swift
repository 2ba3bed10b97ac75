import Crypto
import Foundation
import PIAChecks

/// The validated configuration of one bridge instance.
///
/// Built only by `ConfigurationLoader`, which resolves `env:` secrets, reads
/// key files and resolves relative paths against the configuration file's
/// folder, so that nothing downstream touches the file system or the
/// environment to interpret a setting.
public struct BridgeConfiguration: Sendable {
    /// Our SAML entity ID as the Guangdong platform knows it.
    public var entityID: String
    /// Public base URL; endpoint URLs and the cookie's `Secure` flag derive from it.
    public var baseURL: URL
    public var listen: Listen
    public var keys: Keys
    /// The PKCS#11 token that holds every key written `pkcs11:LABEL`; nil when all keys are files.
    public var pkcs11: PKCS11?
    public var metadata: Metadata
    public var store: StoreLocation
    /// The privacy policy file (purposes, recipients), read by the privacy checks.
    public var policyFile: URL
    public var transferLog: TransferLog
    public var iamSmart: IAMSmart
    public var flow: Flow
    public var saml: SAML
    public var session: Session
    public var reviewers: [Reviewer]
    public var mapping: Mapping
    /// What residents are told about who runs the bridge and where to ask.
    public var privacy: Privacy = Privacy()

    public struct Listen: Sendable, Hashable {
        public var host: String
        public var port: Int
        /// How long one request may take before it is cancelled with 503.
        public var requestDeadline: Duration = .seconds(15)
    }

    /// A PEM file read at load time, kept with its path for messages.
    public struct PEMFile: Sendable, Hashable {
        public var path: URL
        public var pem: String
    }

    /// Where a private key is: a PEM file (the default), or a key with this
    /// label in the configured PKCS#11 token, where it never leaves.
    public enum PrivateKeyLocation: Sendable, Hashable, CustomStringConvertible {
        case file(PEMFile)
        case token(label: String)

        /// The PEM text of a file key; empty for a token key.
        public var pemText: String {
            if case .file(let file) = self { return file.pem }
            return ""
        }

        /// The file path, or `pkcs11:LABEL`, for messages.
        public var description: String {
            switch self {
            case .file(let file): file.path.path
            case .token(let label): "pkcs11:\(label)"
            }
        }
    }

    /// `pkcs11:` section: the module library, the token's label and the user PIN.
    public struct PKCS11: Sendable, Hashable {
        public var modulePath: String
        public var tokenLabel: String
        /// The user PIN, normally `env:NAME`; never logged.
        public var pin: String
    }

    public struct KeyPair: Sendable, Hashable {
        public var key: PrivateKeyLocation
        public var certificate: PEMFile
    }

    public struct Keys: Sendable, Hashable {
        /// Signs Responses, Assertions and our metadata.
        public var signing: KeyPair
        /// The next signing certificate, published in metadata ahead of a rollover.
        public var nextSigningCertificate: PEMFile?
        /// The next signing key (matching `nextSigningCertificate`), used from `rollAt` on.
        public var nextSigningKey: PrivateKeyLocation?
        /// When signing switches to the next key; set by `bridge keys roll`.
        public var rollAt: Date?
        /// Decrypts what partners encrypt to us.
        public var encryption: KeyPair
    }

    public struct Metadata: Sendable, Hashable {
        /// Folder of partner metadata files.
        public var directory: URL
        /// Certificates (one or several PEM blocks, for a rollover) one of which
        /// must have signed partner metadata; `nil` accepts unsigned files (demo only).
        public var trustCertificate: PEMFile?
        public var refreshInterval: Duration
        /// Metadata query (MDQ) service for partners not in the folder, if any.
        public var queryURL: URL?
        /// How long a query answer without `cacheDuration` is used.
        public var queryCacheDuration: Duration = .seconds(3600)
    }

    public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
        case sqlite(path: URL)
        /// One setting for every PostgreSQL store: the state store and the transfer log.
        case postgres(PostgresConnectionSettings)

        /// Without the password.
        public var description: String {
            switch self {
            case .sqlite(let path): "sqlite:\(path.path)"
            case .postgres(let settings): settings.description
            }
        }
    }

    public struct TransferLog: Sendable, Hashable {
        /// Ed25519 key that signs tree heads.
        public var treeHeadKey: PrivateKeyLocation
        /// The newest checkpoint this bridge signed, kept outside the
        /// database (beside the key by default): appends are refused unless
        /// the stored log extends it.
        public var checkpointFile: URL
        /// Witnesses asked to cosign new checkpoints (C2SP tlog-witness).
        public var witnesses: [Witness]
        /// How often new checkpoints are sent to the witnesses.
        public var witnessInterval: Duration
        /// Longest time a checkpoint may wait for a witness before `/readyz` fails.
        public var witnessMaxLag: Duration
        /// Time between two audits of everything already signed (an edit in
        /// the middle of the log is found within this time plus one pass).
        public var auditInterval: Duration = .seconds(3600)
    }

    public struct Witness: Sendable, Hashable {
        /// Submission prefix; `add-checkpoint` is appended.
        public var url: URL
        public var key: CosignatureVerifier

        public init(url: URL, key: CosignatureVerifier) {
            self.url = url
            self.key = key
        }
    }

    public enum CEKPadding: String, Sendable, Hashable, CaseIterable {
        case oaepSHA1 = "oaep-sha1"
        case pkcs1v15 = "pkcs1v15"
    }

    public struct IAMSmart: Sendable, Hashable {
        public var baseURL: URL
        public var clientID: String
        public var clientSecret: String
        /// Private key matching the certificate registered with iAM Smart (content-key unwrap).
        public var privateKey: PrivateKeyLocation
        public var cekPadding: CEKPadding
        public var connectTimeout: Duration
        public var requestTimeout: Duration
        /// Path of our callback below `baseURL`, e.g. `/iamsmart/callback`.
        public var redirectPath: String
        public var scopes: [String]
        /// `zh-HK`, `zh-CN` or `en-US`, as iAM Smart names them.
        public var lang: String
    }

    public struct Flow: Sendable {
        /// AES-256-GCM key for flow state at rest (bytes: `SymmetricKey` is not `Sendable` here).
        public var stateKeyBytes: Data
        public var lifetime: Duration
        /// How long a failure that did not reach the transfer log is kept for reviewers.
        public var failureRetention: Duration = .seconds(90 * 86_400)
        public var stateKey: SymmetricKey { SymmetricKey(data: stateKeyBytes) }
    }

    public struct SAML: Sendable, Hashable {
        /// Accepted difference between partner clocks and ours.
        public var clockSkew: Duration
        /// How long an artifact can be resolved.
        public var artifactLifetime: Duration
        /// How long the IdP session that Single Logout ends is kept after
        /// each sign-in to a relying party (its cookie's lifetime too).
        public var sessionLifetime: Duration
    }

    public struct Session: Sendable, Hashable {
        public var cookieName: String
        public var lifetime: Duration
        /// `Secure` cookie flag; off only for a plain-http loopback base URL.
        public var secureCookie: Bool
    }

    public struct Reviewer: Sendable, Hashable {
        public var username: String
        /// bcrypt hash (`$2a$`, `$2b$` or `$2y$`).
        public var passwordHash: String
    }

    /// `privacy:` section: the data user who runs the bridge (PDPO DPP1
    /// requires residents be told), its privacy statement and contact.
    public struct Privacy: Sendable, Hashable {
        /// The operator's name by page language (`zh-Hant`, `zh-Hans`, `en`).
        public var operatorNames: [String: String]
        /// The operator's privacy statement (PDPO DPP5); `nil` shows no link.
        public var statementURL: URL?
        /// Where residents send access, correction and withdrawal requests.
        public var contact: String?

        public init(operatorNames: [String: String] = [:], statementURL: URL? = nil, contact: String? = nil) {
            self.operatorNames = operatorNames
            self.statementURL = statementURL
            self.contact = contact
        }

        /// The operator's name in `language`, falling back to Traditional Chinese, then English.
        public func operatorName(in language: String) -> String? {
            operatorNames[language] ?? operatorNames["zh-Hant"] ?? operatorNames["en"]
        }
    }

    public struct Mapping: Sendable {
        public var pseudonymSecretBytes: Data
        public var pairwiseScope: String
        public var realTypeCode: String
        /// `creditable_level_of_account` by assurance (`basic`, `plus`, optional `basic+fr`, `plus+fr`).
        public var creditableLevels: [String: String]
        /// `idcardtype` codes by document (`hkid`, `hrp`, …).
        public var idCardTypeCodes: [String: String]
        public var pseudonymSecret: SymmetricKey { SymmetricKey(data: pseudonymSecretBytes) }
    }
}

extension BridgeConfiguration {
    /// The base URL as endpoint paths are appended to it (`…/saml/sso`).
    public var baseURLWithoutTrailingSlash: String {
        let text = baseURL.absoluteString
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}
