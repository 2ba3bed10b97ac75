import Foundation
import Testing

@testable import PIAChecks

/// The one PostgreSQL setting every store uses: URL parsing, the schema
/// rule, TLS modes and hostile input. No server needed.
@Suite struct PostgresConnectionSettingsTests {
    /// A parseable CA certificate (its key was thrown away).
    static let caPEM = """
        -----BEGIN CERTIFICATE-----
        MIIBjTCCATOgAwIBAgIUT2MR1SvomVB3zc9dQm/1U/Uir4EwCgYIKoZIzj0EAwIw
        GzEZMBcGA1UEAwwQU2V0dGluZ3MgdGVzdCBDQTAgFw0yNjExMjkxOTM4MDFaGA8y
        MTI2MTEwNTE5MzgwMVowGzEZMBcGA1UEAwwQU2V0dGluZ3MgdGVzdCBDQTBZMBMG
        ByqGSM49AgEGCCqGSM49AwEHA0IABNrJ1m9h/SGQtP4poLXcEIL/ybbYDEiyzjtc
        asfWLPP/on73pvf9/uDIil05/Yq43jorK7Ec9NiMNvhg9R0n9oqjUzBRMB0GA1Ud
        DgQWBBQTqnPd/Q07CcDyyk8B8xMjy0FOnDAfBgNVHSMEGDAWgBQTqnPd/Q07CcDy
        yk8B8xMjy0FOnDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIB4V
        J6kKwdCR3MWSAO0NvT7t2H1LFBq8HU/w5vt5mhBNAiEAipkpX/0Jbu7aBkRw5ekN
        CEPKcvtghdN1FfSAPTsjBQI=
        -----END CERTIFICATE-----

        """

    /// A scratch folder holding `ca.pem` and `not-a-cert.pem`.
    static func withCAFolder(_ body: (URL) throws -> Void) throws {
        let folder = URL(fileURLWithPath: Fixtures.temporaryPath("pg-ca"), isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try caPEM.write(to: folder.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
        try "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            .write(to: folder.appendingPathComponent("not-a-cert.pem"), atomically: true, encoding: .utf8)
        try body(folder)
    }

    @Test func aBareURLTakesTheDefaults() throws {
        let settings = try PostgresConnectionSettings(url: "postgres://db.internal")
        #expect(settings.host == "db.internal")
        #expect(settings.hostAddress == nil)
        #expect(settings.port == 5432)
        #expect(settings.user == "postgres")
        #expect(settings.database == "postgres", "the database defaults to the user, as libpq does")
        #expect(settings.schema.name == "public")
        #expect(settings.password == nil)
        #expect(settings.tls == .disable)
        #expect(settings.connectTimeout == .seconds(5))
        #expect(settings.poolSize == 10)
    }

    @Test func everyURLParameterIsRead() throws {
        try Self.withCAFolder { folder in
            let settings = try PostgresConnectionSettings(
                url: "postgresql://bridge:p%40ss%2Fword@db.internal:6432/fb?schema=Bridge_A&sslmode=verify-full"
                    + "&sslrootcert=ca.pem&hostaddr=10.0.0.5&connect_timeout=3&pool_size=4",
                baseDirectory: folder)
            #expect(settings.user == "bridge")
            #expect(settings.password == "p@ss/word", "percent-encoded passwords are decoded")
            #expect(settings.port == 6432)
            #expect(settings.database == "fb")
            #expect(settings.schema.name == "Bridge_A")
            #expect(settings.hostAddress == "10.0.0.5")
            #expect(settings.connectTimeout == .seconds(3))
            #expect(settings.poolSize == 4)
            guard case .verifyFull(let authority) = settings.tls else {
                Issue.record("expected verify-full, got \(settings.tls)")
                return
            }
            #expect(authority.path == folder.appendingPathComponent("ca.pem").path, "relative to the base folder")
            #expect(authority.pem == Self.caPEM)

            let client = try settings.clientConfiguration()
            #expect(client.host == "10.0.0.5", "connects to the address")
            #expect(client.options.tlsServerName == "db.internal", "but checks the certificate for the name")
            #expect(client.options.maximumConnections == 4)
            #expect(client.options.connectTimeout == .seconds(3))
            #expect(client.database == "fb" && client.username == "bridge" && client.password == "p@ss/word")
        }
    }

    @Test func theDescriptionNamesTheServerButNeverThePassword() throws {
        let settings = try PostgresConnectionSettings(url: "postgres://bridge:hunter2@db.internal:6432/fb?schema=s1&sslmode=require")
        #expect(!settings.description.contains("hunter2"))
        #expect(settings.description == "postgres://bridge@db.internal:6432/fb?schema=s1 (tls require)")
    }

    /// One rule for every store; names are used exactly as written, quoted.
    @Test(arguments: ["bridge", "Bridge_A", "_t1", "UPPER", String(repeating: "a", count: 63)])
    func schemaNamesTheRuleAccepts(_ name: String) throws {
        let schema = try SQLIdentifier(name)
        #expect(schema.quoted == "\"\(name)\"")
        #expect(schema.qualified("log_state") == "\"\(name)\".log_state")
        #expect(try PostgresConnectionSettings(url: "postgres://h/db?schema=\(name)").schema == schema)
    }

    @Test(arguments: [
        "", "1abc", "x;drop", "x\"y", "a b", "a-b", "schéma", "pg_catalog", "PG_temp",
        String(repeating: "a", count: 64), "public\u{0}", "x.y",
    ])
    func schemaNamesTheRuleRefuses(_ name: String) {
        #expect(throws: PostgresSettingsError.self) { try SQLIdentifier(name) }
    }

    @Test func aHostileSchemaInTheURLIsRefusedBeforeAnyConnection() {
        let encoded = "x%22%3B%20DROP%20SCHEMA%20public%3B%20--"
        #expect(throws: PostgresSettingsError.self) {
            try PostgresConnectionSettings(url: "postgres://h/db?schema=\(encoded)")
        }
    }

    @Test(arguments: [
        ("postgres://h/db?sslmod=require", "unknown URL parameter \"sslmod\""),
        ("postgres://h/db?sslmode=require&sslmode=disable", "given twice"),
        ("postgres://h/db?sslmode=prefer", "unknown TLS mode \"prefer\""),
        ("postgres://h/db?sslmode=verify-ca", "unknown TLS mode \"verify-ca\""),
        ("postgres://h/db?sslmode=verify-full", "verify-full needs a CA file"),
        ("postgres://h/db?hostaddr=db.internal", "must be an IPv4 or IPv6 address"),
        ("postgres://127.0.0.1/db?hostaddr=10.0.0.5", "with a host name only"),
        ("postgres://h/db?pool_size=0", "pool size 0"),
        ("postgres://h/db?pool_size=many", "not a whole number"),
        ("postgres://h/db?connect_timeout=0", "connect_timeout"),
        ("postgres://h:0/db", "port 0"),
        ("mysql://h/db", "expected postgres://"),
        ("postgres:///db", "expected postgres://"),
    ])
    func badURLsAreRefusedWithTheReason(_ url: String, _ reason: String) {
        let error = #expect(throws: PostgresSettingsError.self) { try PostgresConnectionSettings(url: url) }
        #expect(error?.description.contains(reason) == true, "\(error?.description ?? "no error") should say \(reason)")
    }

    @Test func caFilesAreCheckedWhenTheSettingIsRead() throws {
        try Self.withCAFolder { folder in
            let base = "postgres://h/db?sslmode=verify-full&sslrootcert="
            let missing = #expect(throws: PostgresSettingsError.self) {
                try PostgresConnectionSettings(url: base + "absent.pem", baseDirectory: folder)
            }
            #expect(missing?.description.contains("cannot read the CA file") == true)
            let notCertificate = #expect(throws: PostgresSettingsError.self) {
                try PostgresConnectionSettings(url: base + "not-a-cert.pem", baseDirectory: folder)
            }
            #expect(notCertificate?.description.contains("holds no PEM certificate") == true)
            let withRequire = #expect(throws: PostgresSettingsError.self) {
                try PostgresConnectionSettings(url: "postgres://h/db?sslmode=require&sslrootcert=ca.pem", baseDirectory: folder)
            }
            #expect(withRequire?.description.contains("only with TLS mode verify-full") == true)
        }
    }

    @Test func tlsModesMapToPostgresNIO() throws {
        try Self.withCAFolder { folder in
            let plain = try PostgresConnectionSettings(url: "postgres://db.internal/db").clientConfiguration()
            #expect(plain.options.tlsServerName == nil)
            let verified = try PostgresConnectionSettings(
                url: "postgres://db.internal/db?sslmode=verify-full&sslrootcert=ca.pem", baseDirectory: folder)
            #expect(try verified.clientConfiguration().host == "db.internal")
            #expect(try verified.clientConfiguration().options.tlsServerName == nil, "PostgresNIO checks the host itself")
            // One connection outside the pool uses the same TLS: its context builds from the CA file.
            #expect(try verified.connectionConfiguration().tls.isEnforced)
            #expect(try PostgresConnectionSettings(url: "postgres://h/db?sslmode=require").connectionConfiguration().tls.isEnforced)
            #expect(try !PostgresConnectionSettings(url: "postgres://h/db").connectionConfiguration().tls.isAllowed)
        }
    }

    @Test func theTransferLogRefusesABadURLAsABadStoreURL() async {
        await #expect(throws: TransferLogError.badStoreURL("schema \"Bad;Name\" may hold only letters, digits and '_'")) {
            try await TransferLogStores.open(url: "postgres://127.0.0.1:1/db?schema=Bad;Name")
        }
    }
}
