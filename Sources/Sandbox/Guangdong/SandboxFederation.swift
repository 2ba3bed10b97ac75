@preconcurrency import Crypto
import Foundation
import IAMSmart
import PKCS11Token
import SAMLMapper
import _CryptoExtras

/// A self-contained federation on loopback for `bridge demo` and the
/// end-to-end tests: keys for every party, a federation key that signs
/// partner metadata, the bridge's configuration and privacy policy, and the
/// settings of the sandbox iAM Smart and the sandbox Guangdong relying party.
///
/// Keys and secrets are made on first use and kept in `directory`, so a
/// second run reuses them (and the transfer log stays verifiable).
public struct SandboxFederation: Sendable {
    public let directory: URL
    public let bridgeEntityID: String
    public let relyingPartyEntityID: String
    public let iamSmartClientID = "fb-sandbox-bridge"
    public let purposeID = "gd-realname-account"
    /// When set, the bridge's own keys live in this PKCS#11 token.
    public let token: SandboxToken?
    /// Transfers per hour the volume check takes as normal before it has a
    /// history; a load test raises it so its own traffic is not an anomaly.
    public var volumeBaseline = 50

    /// A token for the bridge's keys: where it is, the `pin` setting to write
    /// into the configuration (e.g. `env:FB_PKCS11_PIN`) and a prefix that
    /// keeps this federation's key labels apart from others in the token.
    public struct SandboxToken: Sendable {
        public var configuration: TokenConfiguration
        public var pinSetting: String
        public var labelPrefix: String

        public init(configuration: TokenConfiguration, pinSetting: String, labelPrefix: String) {
            self.configuration = configuration
            self.pinSetting = pinSetting
            self.labelPrefix = labelPrefix
        }

        public func label(_ name: String) -> String { labelPrefix + name }
    }

    public init(
        directory: URL, bridgeEntityID: String = "https://bridge.sandbox.invalid/idp",
        relyingPartyEntityID: String = "https://gd-platform.sandbox.invalid/sp", token: SandboxToken? = nil
    ) throws {
        self.directory = directory
        self.bridgeEntityID = bridgeEntityID
        self.relyingPartyEntityID = relyingPartyEntityID
        self.token = token
        for folder in ["keys", "metadata", "var"] {
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent(folder, isDirectory: true), withIntermediateDirectories: true)
        }
        try makeKeysIfMissing()
    }

    // MARK: Keys

    static let rsaKeys = ["bridge-signing", "bridge-encryption", "iamsmart-client", "rp-signing", "rp-encryption", "federation"]
    /// The bridge's own keys, which a token holds when one is given.
    static let bridgeKeys: Set<String> = ["bridge-signing", "bridge-encryption", "iamsmart-client"]

    private func makeKeysIfMissing() throws {
        if let token {
            try makeTokenKeysIfMissing(token)
        }
        for name in Self.rsaKeys where !exists("keys/\(name)-key.pem") && !(token != nil && Self.bridgeKeys.contains(name)) {
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let certificate = try SelfSignedCertificate(key: .rsa(key), commonName: "\(name) (sandbox)")
            try write("keys/\(name)-cert.pem", certificate.pem)
            try write("keys/\(name)-key.pem", key.pkcs8PEMRepresentation, secret: true)
        }
        if token == nil, !exists("keys/tree-head-key.pem") {
            // PKCS#8 for Ed25519 (RFC 8410): a fixed prefix, then the 32-byte seed.
            let prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
            let seed = Curve25519.Signing.PrivateKey().rawRepresentation
            try write("keys/tree-head-key.pem", PEMText.encode(Data(prefix) + seed, label: "PRIVATE KEY"), secret: true)
        }
        for name in ["flow-state", "pseudonym", "iamsmart-client-secret"] where !exists("keys/\(name).secret") {
            let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            try write("keys/\(name).secret", bytes.base64EncodedString(), secret: true)
        }
    }

    /// The bridge's keys in the token (made when missing) and their certificates
    /// as files; no private key is written.
    private func makeTokenKeysIfMissing(_ setup: SandboxToken) throws {
        let token = try Token(setup.configuration)
        for name in Self.bridgeKeys.sorted() {
            let label = setup.label(name)
            let key: TokenKey
            if let existing = try? TokenKey(token: token, label: label) {
                key = existing
                if exists("keys/\(name)-cert.pem") { continue }
            } else {
                key = try token.generateKey(.rsa2048, label: label)
            }
            try write("keys/\(name)-cert.pem", try SelfSignedCertificate(tokenKey: key, commonName: "\(name) (sandbox, token)").pem)
        }
        let treeHead = setup.label("tree-head")
        if (try? TokenKey(token: token, label: treeHead)) == nil {
            _ = try token.generateKey(.ed25519, label: treeHead)
        }
    }

    /// A key line of the bridge configuration: the token label or the PEM file.
    private func keySetting(_ name: String, file: String) -> String {
        guard let token else { return file }
        return "pkcs11:" + token.label(name)
    }

    /// The configuration's `pkcs11` section, or nothing.
    private var tokenSection: String {
        guard let token else { return "" }
        return "pkcs11:\n  module: \(token.configuration.modulePath)\n  token: \(token.configuration.tokenLabel)\n  pin: \(token.pinSetting)\n"
    }

    public func text(_ relativePath: String) throws -> String {
        try String(contentsOf: url(relativePath), encoding: .utf8)
    }

    public func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }

    func exists(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: url(relativePath).path)
    }

    func write(_ relativePath: String, _ text: String, secret: Bool = false) throws {
        let target = url(relativePath)
        try Data(text.utf8).write(to: target, options: .atomic)
        if secret { try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target.path) }
    }

    public var iamSmartClientSecret: String {
        get throws { try text("keys/iamsmart-client-secret.secret") }
    }

    // MARK: Bridge configuration and policy

    /// Writes `bridge.yaml` and `policy.yaml`; returns the configuration file.
    /// - Parameter storeURL: `nil` keeps the SQLite store under `var/`.
    @discardableResult
    public func writeBridgeConfiguration(
        bridgeBaseURL: String, listenPort: Int, iamSmartBaseURL: String, storeURL: String? = nil, flowLifetime: String = "10m"
    ) throws -> URL {
        try writePolicy()
        let yaml = """
            # Sandbox federation: generated by the demo; secrets are sandbox-only.
            entityID: \(bridgeEntityID)
            baseURL: \(bridgeBaseURL)
            listen:
              host: 127.0.0.1
              port: \(listenPort)
            keys:
              signing:
                key: \(keySetting("bridge-signing", file: "keys/bridge-signing-key.pem"))
                certificate: keys/bridge-signing-cert.pem
              encryption:
                key: \(keySetting("bridge-encryption", file: "keys/bridge-encryption-key.pem"))
                certificate: keys/bridge-encryption-cert.pem
            metadata:
              directory: metadata
              trustCertificate: keys/federation-cert.pem
              refreshInterval: 10m
            store:
              url: \(storeURL ?? "sqlite:var/bridge.sqlite")
            policy:
              file: policy.yaml
            transferLog:
              treeHeadKey: \(keySetting("tree-head", file: "keys/tree-head-key.pem"))
            iamsmart:
              baseURL: \(iamSmartBaseURL)
              clientID: \(iamSmartClientID)
              clientSecret: \(try iamSmartClientSecret)
              privateKey: \(keySetting("iamsmart-client", file: "keys/iamsmart-client-key.pem"))
              cekPadding: oaep-sha1
              scopes: [eidapi_auth, eidapi_profiles]
              lang: zh-HK
            flow:
              stateKey: \(try text("keys/flow-state.secret"))
              lifetime: \(flowLifetime)
            saml:
              clockSkew: 180s
              artifactLifetime: 60s
            session:
              cookieName: fb_session
              lifetime: 30m
            mapping:
              pseudonymSecret: \(try text("keys/pseudonym.secret"))
              pairwiseScope: bridge.sandbox.invalid
              realtype: IAMSMART
              creditableLevelOfAccount:
                basic: L2
                basic+fr: L3
                plus: L3
              idcardtype:
                hkid: "40"
            privacy:
              operator:
                zh-Hant: 跨境身份橋接服務營運者（沙盒）
                zh-Hans: 跨境身份桥接服务营运者（沙盒）
                en: Cross-boundary identity bridge operator (sandbox)
              statementURL: https://bridge.sandbox.invalid/privacy
              contact: privacy@bridge.sandbox.invalid
            reviewers:
              - username: reviewer
                # bcrypt of the sandbox-only password "reviewer-demo".
                passwordHash: "$2b$12$RDV5naR5g.Rx561A.I0njerlTXs1HusQb6Wz/8LsR9HsnlPZXmMwq"

            """
        try write("bridge.yaml", yaml + tokenSection)
        return url("bridge.yaml")
    }

    /// Another instance's configuration beside `file`: the same settings and
    /// store, its own listening port and its own signed-checkpoint file, as
    /// an instance on another machine behind the same load balancer has.
    public func writeInstanceConfiguration(from file: URL, listenPort: Int, name: String) throws -> URL {
        let yaml = try String(contentsOf: file, encoding: .utf8)
        guard let port = yaml.range(of: #"\n  port: [0-9]+\n"#, options: .regularExpression),
            let log = yaml.range(of: "\ntransferLog:\n")
        else { throw GuangdongSandboxError.configuration("\(file.path) lacks listen.port or transferLog") }
        var own = yaml
        own.replaceSubrange(log, with: "\ntransferLog:\n  checkpointFile: var/\(name).checkpoint\n")
        own = own.replacingOccurrences(of: String(yaml[port]), with: "\n  port: \(listenPort)\n")
        let target = file.deletingLastPathComponent().appendingPathComponent("\(name).yaml")
        try Data(own.utf8).write(to: target)
        return target
    }

    /// The consent text version the sandbox policy pins.
    public static let consentTextVersion = "consent-sandbox-1"
    static let consentText = "Separate consent to provide the listed personal information to the named recipient for the named purpose."

    func writePolicy() throws {
        let digest = SHA256.hash(data: Data(Self.consentText.utf8)).map { String(format: "%02x", $0) }.joined()
        func attribute(_ name: GuangdongAttribute, _ necessity: String, _ transforms: [AttributeTransform]) -> String {
            """
                  - name: "\(name.rawValue)"
                    necessity: "\(necessity)"
                    requiredTransforms: [\(transforms.map(\.rawValue).joined(separator: ", "))]
            """
        }
        let attributes = [
            attribute(.pairwiseID, "Binds the account to the same person on later sign-ins without the HKID.", [.pairwiseHMAC]),
            attribute(.chineseName, "A real-name account carries the name verified against the identity card.", [.verbatim]),
            attribute(.chineseNameSimplified, "The platform displays names in Simplified script.", [.hantToHans]),
            attribute(.englishName, "Residents without a Chinese name are named in English.", [.verbatim]),
            attribute(.sex, "Part of the platform's real-name record, as a GB/T 2261.1 code.", [.gbt2261Sex]),
            attribute(.userType, "Marks the account as an individual's.", [.configuredConstant]),
            attribute(.isReal, "States that identity was verified, instead of sending the document.", [.configuredConstant]),
            attribute(.realType, "Names iAM Smart as the verification source.", [.configuredConstant]),
            attribute(.creditableLevel, "The platform grades accounts by assurance.", [.assuranceLevelTable]),
            attribute(.ageOver18, "Real-name accounts are for adults; replaces the birth date.", [.ageOver18]),
            attribute(.nameMatches, "Usable but not visible: confirms a claimed name without sending it.", [.claimMatch]),
            attribute(.birthDateMatches, "Usable but not visible: confirms a claimed birth date without sending it.", [.claimMatch]),
        ].joined(separator: "\n")
        let yaml = """
            # Sandbox privacy policy, generated by the demo.
            version: 1
            consent:
              maxAgeSeconds: 900
              textVersions:
                - id: \(Self.consentTextVersion)
                  sha256: \(digest)
            sensitiveAttributes: [idcardnumber, idNo, birthDate, faceImage, biometricTemplate]
            volume:
              windowHours: 24
              anomalyFactor: 5
              minimumBaseline: \(volumeBaseline)
            recipients:
              - entityID: \(relyingPartyEntityID)
                legalEntity: 广东省政务服务和数据管理局（沙盒）
                names:
                  zh-Hant: 廣東省政務服務和數據管理局（沙盒）
                  zh-Hans: 广东省政务服务和数据管理局（沙盒）
                  en: Guangdong Government Service and Data Administration (sandbox)
                city: Guangzhou
                standardContract:
                  filingReference: GBA-SC-SANDBOX-0001
                  filedOn: 2026-01-15
                contact: privacy@gd-platform.sandbox.invalid
                retentionDays: 1095
                onwardTransferExcluded: true
                maxTransfersPerHour: \(max(5000, volumeBaseline * 10))
            purposes:
              - id: \(purposeID)
                description:
                  zh-Hant: 以智方便開立廣東省統一身份認證平台實名帳戶
                  zh-Hans: 以智方便开立广东省统一身份认证平台实名账户
                  en: Open a real-name account on the Guangdong Unified Identity Authentication Platform with iAM Smart
                legalBasis: consent
                assurance: substantial
                minimumAge: 18
                encryptionRequired: true
                maxRetentionDays: 1095
                sensitiveAttributes: []
                attributes:
            \(attributes)

            """
        try write("policy.yaml", yaml)
    }

    // MARK: The sandbox peers

    public func iamSmartSandboxConfiguration(bridgeBaseURL: String, port: Int = 0) throws -> IAMSmartSandboxConfiguration {
        IAMSmartSandboxConfiguration(
            port: port, clientID: iamSmartClientID, clientSecret: try iamSmartClientSecret,
            clientCertificatePEM: try text("keys/iamsmart-client-cert.pem"),
            redirectURIs: [bridgeBaseURL + "/iamsmart/callback"], contentKeyPadding: .oaepSHA1)
    }

    public func relyingPartyConfiguration(bridgeBaseURL: String, port: Int = 0) throws -> GuangdongRPConfiguration {
        GuangdongRPConfiguration(
            port: port, entityID: relyingPartyEntityID,
            signingKeyPEM: try text("keys/rp-signing-key.pem"), signingCertificatePEM: try text("keys/rp-signing-cert.pem"),
            encryptionKeyPEM: try text("keys/rp-encryption-key.pem"), encryptionCertificatePEM: try text("keys/rp-encryption-cert.pem"),
            identityProvider: .init(
                entityID: bridgeEntityID, ssoURL: bridgeBaseURL + "/saml/sso", artifactResolutionURL: bridgeBaseURL + "/saml/artifact",
                signingCertificatePEMs: [try text("keys/bridge-signing-cert.pem")]),
            purposeID: purposeID)
    }

    /// Writes the relying party's metadata, signed by the federation key, into `metadata/`.
    @discardableResult
    public func writeRelyingPartyMetadata(
        _ party: GuangdongRelyingParty, baseURL: String, validUntil: Date = Date().addingTimeInterval(7 * 86400),
        fileName: String = "guangdong-sandbox.xml"
    ) throws -> URL {
        let signer = EnvelopedSigner(key: try SigningKey(pem: try text("keys/federation-key.pem")))
        let xml = try party.metadataWriter(baseURL: baseURL, validUntil: validUntil).signedXML(signer)
        let target = url("metadata/\(fileName)")
        try xml.write(to: target, options: .atomic)
        return target
    }
}
