import Crypto
import Foundation
import PIAChecks
import Yams

/// Loads and validates the bridge's one YAML configuration file.
///
/// Every problem is collected and reported together, each with the key path
/// it concerns. Values written as `env:NAME` come from the environment, so
/// secrets never need to be in the file.
public struct ConfigurationLoader: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func load(file: String) throws(ConfigurationError) -> BridgeConfiguration {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        guard let data = FileManager.default.contents(atPath: url.path),
            let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigurationError(file: file, issues: [ConfigurationIssue(keyPath: "(file)", problem: "cannot read \(url.path)")])
        }
        return try load(yaml: text, baseDirectory: url.deletingLastPathComponent(), file: file)
    }

    /// - Parameter baseDirectory: relative paths in the file are resolved against it.
    public func load(yaml: String, baseDirectory: URL, file: String = "configuration") throws(ConfigurationError) -> BridgeConfiguration {
        let root: Node
        do {
            guard let parsed = try Yams.compose(yaml: yaml), parsed.mapping != nil else {
                throw ConfigurationError(
                    file: file, issues: [ConfigurationIssue(keyPath: "(file)", problem: "expected a YAML mapping at the top level")])
            }
            root = parsed
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(file: file, issues: [ConfigurationIssue(keyPath: "(file)", problem: "not valid YAML: \(error)")])
        }
        let reader = ConfigurationReader(root: root, baseDirectory: baseDirectory, environment: environment)
        let configuration = Self.read(reader)
        reader.reportUnknownKeys()
        guard reader.issues.isEmpty, let configuration else {
            throw ConfigurationError(file: file, issues: reader.issues)
        }
        return configuration
    }

    static let privateKeyLabels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]
    static let certificateLabels = ["CERTIFICATE"]

    // swiftlint:disable:next function_body_length
    static func read(_ r: ConfigurationReader) -> BridgeConfiguration? {
        let entityID = r.string("entityID")
        let baseURL = r.url("baseURL")
        let listen = BridgeConfiguration.Listen(
            host: r.string("listen.host", default: "127.0.0.1") ?? "127.0.0.1",
            port: r.int("listen.port", default: 8080, range: 0...65535),
            requestDeadline: r.duration("listen.requestDeadline", default: .seconds(15), minimum: .seconds(1)))

        let pkcs11 = readPKCS11(r)
        let signingKey = r.privateKey("keys.signing.key", labels: privateKeyLabels, tokenConfigured: pkcs11 != nil)
        let signingCertificate = r.pemFile("keys.signing.certificate", labels: certificateLabels)
        let nextSigning = r.pemFile("keys.signing.nextCertificate", labels: certificateLabels, required: false)
        let nextSigningKey =
            r.optionalString("keys.signing.nextKey") == nil
            ? nil : r.privateKey("keys.signing.nextKey", labels: privateKeyLabels, tokenConfigured: pkcs11 != nil)
        let rollAt = readRollAt(r, hasNext: nextSigning != nil && nextSigningKey != nil)
        let encryptionKey = r.privateKey("keys.encryption.key", labels: privateKeyLabels, tokenConfigured: pkcs11 != nil)
        let encryptionCertificate = r.pemFile("keys.encryption.certificate", labels: certificateLabels)

        let metadataDirectory = r.string("metadata.directory", default: "metadata").map(r.path)
        if let metadataDirectory {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: metadataDirectory.path, isDirectory: &isDirectory) || !isDirectory.boolValue {
                r.fail("metadata.directory", "folder not found (\(metadataDirectory.path))")
            }
        }
        let trust = r.pemFile("metadata.trustCertificate", labels: certificateLabels, required: false)
        let refresh = r.duration("metadata.refreshInterval", default: .seconds(3600), minimum: .seconds(10))
        let queryURL = r.optionalString("metadata.query.url") == nil ? nil : r.url("metadata.query.url")
        let queryCache = r.duration("metadata.query.cacheDuration", default: .seconds(3600), minimum: .seconds(10))

        let store = readStore(r)
        let policyFile = r.string("policy.file").map(r.path)
        if let policyFile, !FileManager.default.fileExists(atPath: policyFile.path) {
            r.fail("policy.file", "file not found (\(policyFile.path))")
        }
        let treeHeadKey = r.privateKey("transferLog.treeHeadKey", labels: privateKeyLabels, tokenConfigured: pkcs11 != nil)
        let checkpointFile = r.optionalString("transferLog.checkpointFile").map(r.path)
        let witnesses = readWitnesses(r)
        let witnessInterval = r.duration("transferLog.witnessInterval", default: .seconds(10), minimum: .milliseconds(100))
        let witnessMaxLag = r.duration("transferLog.witnessMaxLag", default: .seconds(300), minimum: .seconds(1))
        let auditInterval = r.duration("transferLog.auditInterval", default: .seconds(3600), minimum: .seconds(1))

        let iamSmart = readIAMSmart(r, tokenConfigured: pkcs11 != nil)
        let flowKey = symmetricKey(r, "flow.stateKey", exactBytes: 32)
        let flowLifetime = r.duration("flow.lifetime", default: .seconds(600), minimum: .seconds(30))
        let failureRetention = r.duration("flow.failureRetention", default: .seconds(90 * 86_400), minimum: .seconds(3600))
        let saml = BridgeConfiguration.SAML(
            clockSkew: r.duration("saml.clockSkew", default: .seconds(180), minimum: .seconds(0)),
            artifactLifetime: r.duration("saml.artifactLifetime", default: .seconds(60), minimum: .seconds(1)),
            sessionLifetime: r.duration("saml.sessionLifetime", default: .seconds(8 * 3600), minimum: .seconds(60)))

        let cookieName = r.string("session.cookieName", default: "fb_session") ?? "fb_session"
        if cookieName.isEmpty || !cookieName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
            r.fail("session.cookieName", "use letters, digits, '_' or '-' only")
        }
        let sessionLifetime = r.duration("session.lifetime", default: .seconds(1800), minimum: .seconds(60))

        let reviewers = readReviewers(r)
        let mapping = readMapping(r, entityID: entityID, baseURL: baseURL)
        let privacy = readPrivacy(r)

        guard let entityID, let baseURL, let signingKey, let signingCertificate, let encryptionKey,
            let encryptionCertificate, let metadataDirectory, let store, let policyFile, let treeHeadKey,
            let iamSmart, let flowKey, let mapping
        else { return nil }

        return BridgeConfiguration(
            entityID: entityID,
            baseURL: baseURL,
            listen: listen,
            keys: .init(
                signing: .init(key: signingKey, certificate: signingCertificate),
                nextSigningCertificate: nextSigning,
                nextSigningKey: nextSigningKey,
                rollAt: rollAt,
                encryption: .init(key: encryptionKey, certificate: encryptionCertificate)),
            pkcs11: pkcs11,
            metadata: .init(
                directory: metadataDirectory, trustCertificate: trust, refreshInterval: refresh, queryURL: queryURL,
                queryCacheDuration: queryCache),
            store: store,
            policyFile: policyFile,
            transferLog: .init(
                treeHeadKey: treeHeadKey,
                checkpointFile: checkpointFile ?? Self.defaultCheckpointFile(beside: treeHeadKey, r),
                witnesses: witnesses, witnessInterval: witnessInterval, witnessMaxLag: witnessMaxLag,
                auditInterval: auditInterval),
            iamSmart: iamSmart,
            flow: .init(stateKeyBytes: flowKey, lifetime: flowLifetime, failureRetention: failureRetention),
            saml: saml,
            session: .init(cookieName: cookieName, lifetime: sessionLifetime, secureCookie: !isPlainLoopback(baseURL)),
            reviewers: reviewers,
            mapping: mapping,
            privacy: privacy)
    }

    /// `privacy:` is optional; without it the consent page names the
    /// operator by the base URL's host and shows no statement link.
    static func readPrivacy(_ r: ConfigurationReader) -> BridgeConfiguration.Privacy {
        let names = r.table("privacy.operator", default: [:])
        for key in names.keys where !["zh-Hant", "zh-Hans", "en"].contains(key) {
            r.fail("privacy.operator.\(key)", "unknown language; use zh-Hant, zh-Hans or en")
        }
        let statement = r.optionalString("privacy.statementURL") == nil ? nil : r.url("privacy.statementURL")
        return .init(operatorNames: names, statementURL: statement, contact: r.optionalString("privacy.contact"))
    }

    /// `http://127.0.0.1…`, `http://localhost…` or `http://[::1]…`: the only
    /// case where the session cookie may go without `Secure`.
    public static func isPlainLoopback(_ url: URL) -> Bool {
        guard url.scheme?.lowercased() == "http", let host = url.host?.lowercased() else { return false }
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        // 127.0.0.0/8 written as a dotted quad, and nothing else (not 127.0.0.1.example.com).
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) && (Int($0) ?? 256) <= 255 }
    }

    static func readIAMSmart(_ r: ConfigurationReader, tokenConfigured: Bool) -> BridgeConfiguration.IAMSmart? {
        let baseURL = r.url("iamsmart.baseURL")
        let clientID = r.string("iamsmart.clientID")
        let clientSecret = r.string("iamsmart.clientSecret")
        let privateKey = r.privateKey("iamsmart.privateKey", labels: privateKeyLabels, tokenConfigured: tokenConfigured)
        let paddingText = r.string("iamsmart.cekPadding", default: "oaep-sha1") ?? "oaep-sha1"
        let padding = BridgeConfiguration.CEKPadding(rawValue: paddingText)
        if padding == nil {
            r.fail("iamsmart.cekPadding", "expected oaep-sha1 or pkcs1v15, got \"\(paddingText)\"")
        }
        let redirectPath = r.string("iamsmart.redirectPath", default: "/iamsmart/callback") ?? "/iamsmart/callback"
        if !redirectPath.hasPrefix("/") {
            r.fail("iamsmart.redirectPath", "must start with '/'")
        }
        let lang = r.string("iamsmart.lang", default: "zh-HK") ?? "zh-HK"
        if !["zh-HK", "zh-CN", "en-US"].contains(lang) {
            r.fail("iamsmart.lang", "expected zh-HK, zh-CN or en-US, got \"\(lang)\"")
        }
        let settings = (
            connect: r.duration("iamsmart.connectTimeout", default: .seconds(3)),
            request: r.duration("iamsmart.requestTimeout", default: .seconds(10)),
            scopes: r.stringList("iamsmart.scopes", default: ["eidapi_auth", "eidapi_profiles"])
        )
        guard let baseURL, let clientID, let clientSecret, let privateKey, let padding else { return nil }
        return .init(
            baseURL: baseURL, clientID: clientID, clientSecret: clientSecret, privateKey: privateKey,
            cekPadding: padding, connectTimeout: settings.connect, requestTimeout: settings.request,
            redirectPath: redirectPath, scopes: settings.scopes, lang: lang)
    }

    static func readWitnesses(_ r: ConfigurationReader) -> [BridgeConfiguration.Witness] {
        var witnesses: [BridgeConfiguration.Witness] = []
        for index in 0..<r.sequenceCount("transferLog.witnesses") {
            let prefix = "transferLog.witnesses[\(index)]"
            guard let mapping = r.element("transferLog.witnesses", index)?.mapping else {
                r.fail(prefix, "expected url and key")
                continue
            }
            for key in mapping.keys.compactMap({ $0.scalar?.string }) where key != "url" && key != "key" {
                r.fail("\(prefix).\(key)", "unknown key")
            }
            guard let text = mapping["url"]?.scalar?.string, let url = URL(string: text),
                ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil
            else {
                r.fail("\(prefix).url", "expected the witness's http(s) submission URL")
                continue
            }
            guard let keyText = mapping["key"]?.scalar?.string, let key = try? CosignatureVerifier(verifierKey: keyText) else {
                r.fail("\(prefix).key", "expected the witness key <name>+<key ID>+<base64> (bridge witness keygen prints it)")
                continue
            }
            if witnesses.contains(where: { $0.key.name == key.name }) {
                r.fail("\(prefix).key", "duplicate witness name \"\(key.name)\"")
                continue
            }
            witnesses.append(.init(url: url, key: key))
        }
        return witnesses
    }

    static func readReviewers(_ r: ConfigurationReader) -> [BridgeConfiguration.Reviewer] {
        var reviewers: [BridgeConfiguration.Reviewer] = []
        for index in 0..<r.sequenceCount("reviewers") {
            let prefix = "reviewers[\(index)]"
            guard let mapping = r.element("reviewers", index)?.mapping else {
                r.fail(prefix, "expected username and passwordHash")
                continue
            }
            let username = mapping["username"]?.scalar?.string
            let hash = mapping["passwordHash"]?.scalar?.string
            for key in mapping.keys.compactMap({ $0.scalar?.string }) where key != "username" && key != "passwordHash" {
                r.fail("\(prefix).\(key)", "unknown key")
            }
            guard let username, !username.isEmpty else {
                r.fail("\(prefix).username", "required")
                continue
            }
            guard let hash, ["$2a$", "$2b$", "$2y$"].contains(where: { hash.hasPrefix($0) }), hash.count == 60 else {
                r.fail("\(prefix).passwordHash", "expected a bcrypt hash ($2b$…, 60 characters)")
                continue
            }
            if reviewers.contains(where: { $0.username == username }) {
                r.fail("\(prefix).username", "duplicate username \"\(username)\"")
                continue
            }
            reviewers.append(.init(username: username, passwordHash: hash))
        }
        return reviewers
    }

    static func readMapping(_ r: ConfigurationReader, entityID: String?, baseURL: URL?) -> BridgeConfiguration.Mapping? {
        let secret = symmetricKey(r, "mapping.pseudonymSecret", minimumBytes: 32)
        let defaultScope = baseURL?.host ?? "bridge.invalid"
        let scope = r.string("mapping.pairwiseScope", default: defaultScope) ?? defaultScope
        if scope.isEmpty || scope.contains("@") || scope.contains(" ") {
            r.fail("mapping.pairwiseScope", "expected a domain name such as bridge.example.hk")
        }
        let realType = r.string("mapping.realtype", default: "IAMSMART") ?? "IAMSMART"
        let levels = r.table("mapping.creditableLevelOfAccount", default: ["basic": "L2", "plus": "L3"])
        for level in AssuranceLevelKey.required where levels[level] == nil {
            r.fail("mapping.creditableLevelOfAccount", "needs an entry for \(level)")
        }
        for key in levels.keys where !AssuranceLevelKey.allowed.contains(key) {
            r.fail("mapping.creditableLevelOfAccount.\(key)", "unknown assurance level; use basic, plus, basic+fr or plus+fr")
        }
        let idCardTypes = r.table("mapping.idcardtype", default: [:])
        guard let secret else { return nil }
        return .init(
            pseudonymSecretBytes: secret, pairwiseScope: scope, realTypeCode: realType,
            creditableLevels: levels, idCardTypeCodes: idCardTypes)
    }

    private enum AssuranceLevelKey {
        static let required = ["basic", "plus"]
        static let allowed: Set<String> = ["basic", "plus", "basic+fr", "plus+fr"]
    }

    /// A base64 secret (after `env:` resolution) of the given size.
    static func symmetricKey(_ r: ConfigurationReader, _ keyPath: String, exactBytes: Int? = nil, minimumBytes: Int = 32) -> Data? {
        guard let text = r.string(keyPath) else { return nil }
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)) else {
            r.fail(keyPath, "expected base64 (e.g. from `openssl rand -base64 32`)")
            return nil
        }
        if let exactBytes, data.count != exactBytes {
            r.fail(keyPath, "expected exactly \(exactBytes) bytes, got \(data.count)")
            return nil
        }
        if data.count < minimumBytes {
            r.fail(keyPath, "expected at least \(minimumBytes) bytes, got \(data.count)")
            return nil
        }
        return data
    }
}
