import Crypto
import Foundation
import PIAChecks
import SAMLMapper
import Testing

@testable import FederationBridge

/// `store.postgres` and `store.url`: two ways to write one PostgreSQL
/// setting, read into the same `PostgresConnectionSettings` under the same rules.
@Suite struct PostgresConfigurationTests {
    static func fixtureWithCA() throws -> (ConfigFixture, String) {
        let fixture = try ConfigFixture()
        let ca = try SelfSignedCertificate(key: .p256(P256.Signing.PrivateKey()), commonName: "test database CA").pem
        try fixture.write("keys/db-ca.pem", ca)
        return (fixture, ca)
    }

    static func yaml(store: String) -> String {
        ConfigFixture.yaml().replacingOccurrences(of: "store:\n  url: sqlite:var/bridge.sqlite", with: "store:\n" + store)
    }

    static let structured = """
          postgres:
            host: db.internal
            hostAddress: 10.0.0.5
            port: 6432
            database: fb
            schema: Bridge_A
            user: bridge
            password: env:FB_TEST_DB_PASSWORD
            tls: verify-full
            caFile: keys/db-ca.pem
            connectTimeout: 3s
            poolSize: 4
        """

    static var environment: [String: String] {
        ConfigFixture.environment.merging(["FB_TEST_DB_PASSWORD": "pw from env"]) { _, new in new }
    }

    @Test func structuredSettingsAreReadWithTheirPasswordFromTheEnvironment() throws {
        let (fixture, ca) = try Self.fixtureWithCA()
        defer { fixture.remove() }
        let configuration = try fixture.load(Self.yaml(store: Self.structured), environment: Self.environment)
        guard case .postgres(let settings) = configuration.store else {
            Issue.record("expected PostgreSQL, got \(configuration.store)")
            return
        }
        #expect(settings.host == "db.internal" && settings.port == 6432 && settings.database == "fb")
        #expect(settings.hostAddress == "10.0.0.5")
        #expect(settings.schema.name == "Bridge_A", "upper case is kept: the name is always quoted")
        #expect(settings.user == "bridge")
        #expect(settings.password == "pw from env")
        #expect(settings.connectTimeout == .seconds(3))
        #expect(settings.poolSize == 4)
        let caPath = fixture.directory.appendingPathComponent("keys/db-ca.pem").standardizedFileURL.path
        #expect(settings.tls == .verifyFull(try .init(path: caPath, pem: ca)))
        #expect(!configuration.store.description.contains("pw from env"))
    }

    /// The URL form and the structured form of the same server are the same setting.
    @Test func theURLFormReadsIntoTheSameSetting() throws {
        let (fixture, _) = try Self.fixtureWithCA()
        defer { fixture.remove() }
        let url =
            "postgres://bridge:pw%20from%20env@db.internal:6432/fb?schema=Bridge_A&sslmode=verify-full"
            + "&sslrootcert=keys/db-ca.pem&hostaddr=10.0.0.5&connect_timeout=3&pool_size=4"
        let fromURL = try fixture.load(Self.yaml(store: "  url: \"\(url)\""), environment: Self.environment)
        let structured = try fixture.load(Self.yaml(store: Self.structured), environment: Self.environment)
        #expect(fromURL.store == structured.store)
    }

    @Test func defaultsOfTheStructuredForm() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let store = """
              postgres:
                host: 127.0.0.1
                database: fb
                user: bridge
                tls: disable
            """
        let configuration = try fixture.load(Self.yaml(store: store))
        guard case .postgres(let settings) = configuration.store else {
            Issue.record("expected PostgreSQL")
            return
        }
        #expect(settings.port == 5432 && settings.schema.name == "public" && settings.password == nil)
        #expect(settings.connectTimeout == .seconds(5) && settings.poolSize == 10 && settings.tls == .disable)
    }

    @Test(arguments: [
        ("    password: plain-text\n", "store.postgres.password", "write env:NAME"),
        ("    tls: verify-full\n", "store.postgres.tls", "needs a CA file"),
        ("    tls: require\n    caFile: keys/db-ca.pem\n", "store.postgres.tls", "only with TLS mode verify-full"),
        ("    tls: prefer\n", "store.postgres.tls", "unknown TLS mode"),
        ("    tls: disable\n    schema: \"x\\\";drop\"\n", "store.postgres.schema", "only letters, digits and '_'"),
        ("    tls: disable\n    schema: pg_toast\n", "store.postgres.schema", "reserves"),
        ("    tls: disable\n    poolSize: 0\n", "store.postgres.poolSize", "expected a whole number from 1 to 200"),
        ("    tls: disable\n    hostAddress: db.internal\n", "store.postgres", "IPv4 or IPv6"),
        ("    tls: disable\n    sslmode: require\n", "store.postgres.sslmode", "unknown key"),
        ("    tls: disable\n    caFile: keys/signing-key.pem\n", "store.postgres.caFile", "no PEM block"),
        ("", "store.postgres.tls", "required"),
    ])
    func badStructuredSettingsAreNamedByKey(_ lines: String, _ keyPath: String, _ problem: String) throws {
        let (fixture, _) = try Self.fixtureWithCA()
        defer { fixture.remove() }
        let store = "  postgres:\n    host: db.internal\n    database: fb\n    user: bridge\n" + lines
        let error = try #require(throws: ConfigurationError.self) { try fixture.load(Self.yaml(store: store)) }
        #expect(
            error.issues.contains { $0.keyPath == keyPath && $0.problem.contains(problem) },
            "expected \(keyPath): …\(problem)…, got \(error.issues)")
    }

    @Test func urlAndStructuredFormsCannotBothBeGiven() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let store = "  url: postgres://h/db\n  postgres:\n    host: h\n    database: db\n    user: u\n    tls: disable"
        let error = try #require(throws: ConfigurationError.self) { try fixture.load(Self.yaml(store: store)) }
        #expect(error.issues.contains { $0.keyPath == "store.url" && $0.problem.contains("not both") })
    }

    @Test func badURLsAreNamedByKey() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        for url in ["postgres://h/db?schema=a-b", "postgres://h/db?sslmode=verify-full", "postgres://h/db?ssl=true"] {
            let error = try #require(throws: ConfigurationError.self) { try fixture.load(Self.yaml(store: "  url: \"\(url)\"")) }
            #expect(error.mentions("store.url"), "\(url)")
        }
    }

    /// The commented PostgreSQL block in the shipped configuration loads once
    /// uncommented; on a fresh checkout only the CA file is missing.
    @Test func shippedPostgresExampleIsTrue() throws {
        let text = try String(contentsOf: Repository.root.appendingPathComponent("config/bridge.yaml"), encoding: .utf8)
        var lines: [String] = []
        var inStore = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line == "store:" { inStore = true } else if !line.hasPrefix(" ") { inStore = false }
            if inStore && line.hasPrefix("  url:") { continue }
            lines.append(inStore && line.hasPrefix("  # ") ? "  " + line.dropFirst(4) : line)
        }
        let environment = [
            "FB_IAMSMART_CLIENT_SECRET": "x", "FB_FLOW_STATE_KEY": ConfigFixture.flowKey,
            "FB_PSEUDONYM_SECRET": ConfigFixture.pseudonymSecret, "FB_STORE_PASSWORD": "x",
        ]
        let folder = Repository.root.appendingPathComponent("config")
        do {
            let configuration = try ConfigurationLoader(environment: environment)
                .load(yaml: lines.joined(separator: "\n"), baseDirectory: folder)
            Issue.record("expected missing key files on a fresh checkout, loaded \(configuration.store)")
        } catch {
            #expect(error.mentions("store.postgres.caFile"), "the example names a CA file: \(error.issues)")
            let unexpected = error.issues.filter { !$0.problem.hasPrefix("file not found") && !$0.problem.hasPrefix("folder not found") }
            #expect(unexpected.isEmpty, "\(unexpected)")
        }
    }
}
