import Foundation
import PIAChecks
import Testing

@testable import FederationBridge

@Suite struct ConfigurationTests {
    @Test func validConfigurationResolvesPathsSecretsAndDefaults() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let configuration = try fixture.load(ConfigFixture.yaml())

        #expect(configuration.entityID == "https://bridge.example.hk/saml/metadata")
        #expect(configuration.iamSmart.clientSecret == "s3cret-from-env")
        #expect(configuration.iamSmart.cekPadding == .pkcs1v15)
        #expect(configuration.iamSmart.connectTimeout == .seconds(2))
        #expect(configuration.iamSmart.redirectPath == "/iamsmart/callback")
        guard case .file(let signingKey) = configuration.keys.signing.key else {
            Issue.record("signing key should be a file")
            return
        }
        #expect(signingKey.path.path == fixture.directory.appendingPathComponent("keys/signing-key.pem").standardizedFileURL.path)
        #expect(signingKey.pem.contains("BEGIN PRIVATE KEY"))
        #expect(configuration.store == .sqlite(path: fixture.directory.appendingPathComponent("var/bridge.sqlite").standardizedFileURL))
        #expect(configuration.saml.clockSkew == .seconds(180))
        #expect(configuration.saml.artifactLifetime == .seconds(60))
        #expect(configuration.flow.lifetime == .seconds(300))
        #expect(configuration.metadata.refreshInterval == .seconds(600))
        #expect(configuration.session.secureCookie == false, "plain-http loopback may go without Secure")
        #expect(configuration.mapping.creditableLevels == ["basic": "L2", "plus": "L3"])
        #expect(configuration.mapping.idCardTypeCodes["hkid"] == "40")
    }

    @Test func metadataQueryServiceIsOptionalAndChecked() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        #expect(try fixture.load(ConfigFixture.yaml()).metadata.queryURL == nil)
        let withQuery = ConfigFixture.yaml().replacingOccurrences(
            of: "  refreshInterval: 10m\n", with: "  refreshInterval: 10m\n  query:\n    url: https://mdq.example.org/\n    cacheDuration: 15m\n")
        let configuration = try fixture.load(withQuery)
        #expect(configuration.metadata.queryURL?.absoluteString == "https://mdq.example.org/")
        #expect(configuration.metadata.queryCacheDuration == .seconds(900))
        let error = try #require(throws: ConfigurationError.self) {
            try fixture.load(withQuery.replacingOccurrences(of: "https://mdq.example.org/", with: "mdq.example.org"))
        }
        #expect(error.mentions("metadata.query.url"))
    }

    @Test func missingKeyFileIsNamedByKeyPath() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try FileManager.default.removeItem(at: fixture.directory.appendingPathComponent("keys/signing-key.pem"))
        let error = try #require(throws: ConfigurationError.self) { try fixture.load(ConfigFixture.yaml()) }
        #expect(error.mentions("keys.signing.key"))
        #expect(error.description.contains("keys.signing.key: file not found"))
        #expect(error.issues.count == 1)
    }

    @Test func everyProblemIsReportedAtOnceWithItsKey() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        var yaml = ConfigFixture.yaml(extra: "saml:\n  clockSkew: soon\nsesion:\n  cookieName: x\n")
        yaml = yaml.replacingOccurrences(of: "cekPadding: pkcs1v15", with: "cekPadding: rsa-v2")
        yaml = yaml.replacingOccurrences(of: "baseURL: http://127.0.0.1:9000", with: "baseURL: ftp://example")
        let error = try #require(throws: ConfigurationError.self) { try fixture.load(yaml) }
        #expect(error.mentions("iamsmart.cekPadding"))
        #expect(error.mentions("iamsmart.baseURL"))
        #expect(error.mentions("saml.clockSkew"))
        #expect(error.mentions("sesion.cookieName"), "a mistyped section is reported as unknown")
        #expect(error.issues.first { $0.keyPath == "sesion.cookieName" }?.problem == "unknown key")
    }

    @Test func privacySectionNamesTheOperatorPerLanguage() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let plain = try fixture.load(ConfigFixture.yaml())
        #expect(plain.privacy == BridgeConfiguration.Privacy(), "optional")
        let yaml = ConfigFixture.yaml(
            extra: """
                privacy:
                  operator:
                    zh-Hant: 示例營運者
                    en: Example Operator
                  statementURL: https://bridge.example.hk/privacy
                  contact: dpo@bridge.example.hk

                """)
        let privacy = try fixture.load(yaml).privacy
        #expect(privacy.operatorName(in: "en") == "Example Operator")
        #expect(privacy.operatorName(in: "zh-Hans") == "示例營運者", "falls back to Traditional Chinese")
        #expect(privacy.statementURL?.absoluteString == "https://bridge.example.hk/privacy")
        #expect(privacy.contact == "dpo@bridge.example.hk")
        let bad = ConfigFixture.yaml(extra: "privacy:\n  operator:\n    fr: Opérateur\n  statementURL: javascript:alert(1)\n")
        let error = try #require(throws: ConfigurationError.self) { try fixture.load(bad) }
        #expect(error.mentions("privacy.operator.fr") && error.mentions("privacy.statementURL"))
    }

    @Test func secretFromMissingEnvironmentVariableIsAnError() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let error = try #require(throws: ConfigurationError.self) {
            try fixture.load(ConfigFixture.yaml(), environment: ["FB_TEST_PSEUDONYM": ConfigFixture.pseudonymSecret])
        }
        #expect(error.description.contains("iamsmart.clientSecret: environment variable FB_TEST_CLIENT_SECRET is not set"))
        #expect(!error.description.contains("s3cret"))
    }

    @Test func shortOrMalformedSecretsAreRejected() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let shortSecret = Data(repeating: 1, count: 16).base64EncodedString()
        let error = try #require(throws: ConfigurationError.self) {
            try fixture.load(
                ConfigFixture.yaml().replacingOccurrences(of: ConfigFixture.flowKey, with: "not base64!"),
                environment: ["FB_TEST_CLIENT_SECRET": "x", "FB_TEST_PSEUDONYM": shortSecret])
        }
        #expect(error.mentions("flow.stateKey"))
        #expect(error.issues.first { $0.keyPath == "mapping.pseudonymSecret" }?.problem == "expected at least 32 bytes, got 16")
    }

    @Test func requiredKeysAreReportedWhenAbsent() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = ConfigFixture.yaml()
            .split(separator: "\n").filter { !$0.hasPrefix("entityID:") }.joined(separator: "\n")
        let error = try #require(throws: ConfigurationError.self) { try fixture.load(yaml) }
        #expect(error.issues.contains(ConfigurationIssue(keyPath: "entityID", problem: "required")))
    }

    @Test func wrongPEMLabelIsRejected() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        // A certificate where a private key belongs.
        let yaml = ConfigFixture.yaml().replacingOccurrences(of: "key: keys/encryption-key.pem", with: "key: keys/encryption-cert.pem")
        let error = try #require(throws: ConfigurationError.self) { try fixture.load(yaml) }
        #expect(error.mentions("keys.encryption.key"))
    }

    @Test func postgresURLAndHTTPSBaseURL() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = ConfigFixture.yaml(baseURL: "https://bridge.example.hk")
            .replacingOccurrences(of: "url: sqlite:var/bridge.sqlite", with: "url: env:FB_TEST_STORE")
        var environment = ConfigFixture.environment
        environment["FB_TEST_STORE"] = "postgres://bridge:pw@db.internal:6432/fb?schema=bridge_a&sslmode=require"
        let configuration = try fixture.load(yaml, environment: environment)
        guard case .postgres(let location) = configuration.store else {
            Issue.record("expected a PostgreSQL store")
            return
        }
        #expect(location.host == "db.internal")
        #expect(location.port == 6432)
        #expect(location.user == "bridge")
        #expect(location.password == "pw")
        #expect(location.database == "fb")
        #expect(location.schema.name == "bridge_a")
        #expect(location.tls == .require)
        #expect(!configuration.store.description.contains("pw"), "the password stays out of descriptions")
        #expect(configuration.session.secureCookie)

        let hostile = yaml.replacingOccurrences(of: "env:FB_TEST_STORE", with: "\"postgres://u@h/db?schema=x;drop\"")
        let error = try #require(throws: ConfigurationError.self) { try fixture.load(hostile) }
        #expect(error.mentions("store.url"))
    }

    @Test func reviewerHashesMustBeBcrypt() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let good = "$2b$12$RDV5naR5g.Rx561A.I0njerlTXs1HusQb6Wz/8LsR9HsnlPZXmMwq"
        let yaml = ConfigFixture.yaml(
            extra: """
                reviewers:
                  - username: alice
                    passwordHash: "\(good)"
                  - username: bob
                    passwordHash: plaintext-password
                """)
        let error = try #require(throws: ConfigurationError.self) { try fixture.load(yaml) }
        #expect(error.mentions("reviewers[1].passwordHash"))
        #expect(!error.mentions("reviewers[0].passwordHash"))
    }

    @Test func transferLogCheckpointFileAndWitnesses() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let plain = try fixture.load(ConfigFixture.yaml())
        #expect(
            plain.transferLog.checkpointFile.path
                == fixture.directory.appendingPathComponent("keys/tree-head-key.checkpoint").standardizedFileURL.path)
        #expect(plain.transferLog.witnesses.isEmpty)

        let key = try Cosigner.generate(name: "witness.review.example/w1").verifier
        let yaml = ConfigFixture.yaml().replacingOccurrences(
            of: "  treeHeadKey: keys/tree-head-key.pem\n",
            with: """
                  treeHeadKey: keys/tree-head-key.pem
                  checkpointFile: state/log.checkpoint
                  witnessInterval: 2s
                  witnesses:
                    - url: https://witness.review.example/
                      key: \(key.verifierKey)

                """)
        let configured = try fixture.load(yaml)
        #expect(
            configured.transferLog.checkpointFile.path == fixture.directory.appendingPathComponent("state/log.checkpoint").standardizedFileURL.path)
        #expect(configured.transferLog.witnesses == [.init(url: URL(string: "https://witness.review.example/")!, key: key)])
        #expect(configured.transferLog.witnessInterval == .seconds(2))
        #expect(configured.transferLog.witnessMaxLag == .seconds(300))

        let bad = ConfigFixture.yaml().replacingOccurrences(
            of: "  treeHeadKey: keys/tree-head-key.pem\n",
            with: """
                  treeHeadKey: keys/tree-head-key.pem
                  witnesses:
                    - url: ftp://witness.example/
                      key: \(key.verifierKey)
                    - url: https://witness.example/
                      key: not-a-key
                    - url: https://witness.example/
                      key: \(key.verifierKey)
                      extra: 1

                """)
        let error = try #require(throws: ConfigurationError.self) { try fixture.load(bad) }
        #expect(error.mentions("transferLog.witnesses[0].url"))
        #expect(error.mentions("transferLog.witnesses[1].key"))
        #expect(error.mentions("transferLog.witnesses[2].extra"))
    }

    @Test func loopbackDetection() throws {
        #expect(ConfigurationLoader.isPlainLoopback(try #require(URL(string: "http://127.0.0.1:8080"))))
        #expect(ConfigurationLoader.isPlainLoopback(try #require(URL(string: "http://localhost"))))
        #expect(!ConfigurationLoader.isPlainLoopback(try #require(URL(string: "https://127.0.0.1"))))
        #expect(!ConfigurationLoader.isPlainLoopback(try #require(URL(string: "http://bridge.example.hk"))))
        #expect(!ConfigurationLoader.isPlainLoopback(try #require(URL(string: "http://127.0.0.1.evil.example"))))
    }

    @Test func durations() {
        #expect(ConfigurationReader.parseDuration("180s") == .seconds(180))
        #expect(ConfigurationReader.parseDuration("500ms") == .milliseconds(500))
        #expect(ConfigurationReader.parseDuration("10m") == .seconds(600))
        #expect(ConfigurationReader.parseDuration("2h") == .seconds(7200))
        #expect(ConfigurationReader.parseDuration("90") == .seconds(90))
        #expect(ConfigurationReader.parseDuration("-5s") == nil)
        #expect(ConfigurationReader.parseDuration("soon") == nil)
    }

    /// The shipped example stays in step with the loader: its only problems
    /// on a fresh checkout are the generated key files and unset secrets.
    @Test func shippedExampleHasOnlyMissingFileProblems() throws {
        let file = Repository.root.appendingPathComponent("config/bridge.yaml")
        let environment = [
            "FB_IAMSMART_CLIENT_SECRET": "x",
            "FB_FLOW_STATE_KEY": ConfigFixture.flowKey,
            "FB_PSEUDONYM_SECRET": ConfigFixture.pseudonymSecret,
        ]
        do {
            _ = try ConfigurationLoader(environment: environment).load(file: file.path)
        } catch {
            let unexpected = error.issues.filter { !$0.problem.hasPrefix("file not found") && !$0.problem.hasPrefix("folder not found") }
            #expect(unexpected.isEmpty, "\(unexpected)")
        }
    }
}
