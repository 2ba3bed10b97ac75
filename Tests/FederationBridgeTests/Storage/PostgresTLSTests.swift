import Foundation
import Logging
import PIAChecks
import Testing

@testable import FederationBridge

/// Both PostgreSQL stores against the real server scripts/test.sh starts with
/// TLS on: each TLS mode gives the same outcome on the state store and the
/// transfer log, and what is encrypted is read back from the server itself
/// (`pg_stat_ssl`), not from our settings.
@Suite(.enabled(if: PostgresTestServer.hasTLS, "scripts/test.sh starts PostgreSQL with TLS"))
struct PostgresTLSTests {
    enum Store: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case state
        case transferLog

        var testDescription: String { rawValue }

        /// Opens the store, makes one round trip through its pool, and
        /// returns how the server sees a pooled session.
        func open(_ settings: PostgresConnectionSettings) async throws -> PostgresSessionSecurity {
            let logger = PostgresTestServer.quietLogger
            switch self {
            case .state:
                let store = try PostgresStateStore(settings: settings, logger: logger)
                return try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await store.run() }
                    defer { group.cancelAll() }
                    try await store.prepare()
                    let now = Date()
                    #expect(try await store.insertIfAbsent(replayID: "r-1", expiresAt: now.addingTimeInterval(60), now: now))
                    return try await store.sessionSecurity()
                }
            case .transferLog:
                let store = try await PostgresTransferLogStore.connect(settings: settings, logger: logger)
                do {
                    #expect(try await store.records(from: 0, limit: nil).isEmpty)
                    let security = try await store.sessionSecurity()
                    try await store.close()
                    return security
                } catch {
                    try? await store.close()
                    throw error
                }
            }
        }
    }

    enum Outcome: Equatable, CustomStringConvertible {
        case session(encrypted: Bool)
        case refused(PostgresConnectError.Reason)

        var description: String {
            switch self {
            case .session(let encrypted): encrypted ? "encrypted session" : "plain session"
            case .refused(let reason): "refused: \(reason)"
            }
        }
    }

    enum Case: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case verifyFullByAddress, verifyFullByName, verifyFullWithAnotherCA, verifyFullWithWrongName, require, disable
        case verifyFullToAMissingDatabase

        var testDescription: String { rawValue }

        func settings(schema: String) throws -> PostgresConnectionSettings {
            let ca = try #require(PostgresTestServer.caFile)
            let other = try #require(PostgresTestServer.otherCAFile)
            return switch self {
            case .verifyFullByAddress:
                // 127.0.0.1 against the certificate's IP address entry.
                try PostgresTestServer.settings(schema: schema, "sslmode=verify-full", "sslrootcert=\(ca)")
            case .verifyFullByName:
                // At an address the certificate does not carry: only its name entry can match.
                try PostgresTestServer.settings(host: "localhost", schema: schema, "sslmode=verify-full", "sslrootcert=\(ca)")
            case .verifyFullWithAnotherCA:
                try PostgresTestServer.settings(schema: schema, "sslmode=verify-full", "sslrootcert=\(other)")
            case .verifyFullWithWrongName:
                try PostgresTestServer.settings(
                    host: "db.example.invalid", schema: schema, "sslmode=verify-full", "sslrootcert=\(ca)")
            case .require:
                try PostgresTestServer.settings(schema: schema, "sslmode=require")
            case .disable:
                try PostgresTestServer.settings(schema: schema)
            case .verifyFullToAMissingDatabase:
                try {
                    var settings = try PostgresTestServer.settings(schema: schema, "sslmode=verify-full", "sslrootcert=\(ca)")
                    settings.database = "fb_no_such_database"
                    return settings
                }()
            }
        }

        var expected: Outcome {
            switch self {
            case .verifyFullByAddress, .verifyFullByName, .require: .session(encrypted: true)
            case .verifyFullWithAnotherCA: .refused(.untrustedCertificate(detail: "CERTIFICATE_VERIFY_FAILED"))
            case .verifyFullWithWrongName: .refused(.hostNameMismatch(expected: "db.example.invalid"))
            case .disable: .session(encrypted: false)
            case .verifyFullToAMissingDatabase:
                .refused(.refusedByServer(message: "database \"fb_no_such_database\" does not exist", sqlState: "3D000"))
            }
        }
    }

    /// Schemas are mixed case (`Tls_…`): the configuration's identifier rule
    /// and the stores' are one.
    @Test(arguments: Store.allCases, Case.allCases)
    func eachTLSModeGivesTheSameOutcomeOnBothStores(_ store: Store, _ tls: Case) async throws {
        try await PostgresTestServer.withSchema("Tls_") { schema in
            let settings = try tls.settings(schema: schema)
            let outcome: Outcome
            do {
                let security = try await store.open(settings)
                outcome = .session(encrypted: security.encrypted)
                #expect(security.encrypted == (security.protocolVersion?.hasPrefix("TLSv1.") == true))
            } catch let error as PostgresConnectError {
                outcome = .refused(error.reason)
                #expect(error.description == "cannot connect to PostgreSQL \(settings): \(error.reason)")
            }
            #expect(outcome == tls.expected)
        }
    }

    /// The operator reads the reason in the message, for either store.
    @Test(arguments: Store.allCases)
    func refusalsNameTheirReason(_ store: Store) async throws {
        let schema = PostgresTestServer.freshSchema("Tls_")
        let anotherCA = try Case.verifyFullWithAnotherCA.settings(schema: schema)
        let wrongCA = await #expect(throws: PostgresConnectError.self) { try await store.open(anotherCA) }
        #expect(wrongCA?.description.contains("does not verify against the configured CA file") == true)
        #expect(wrongCA?.description.contains(try #require(PostgresTestServer.otherCAFile)) == true, "names the CA file")

        let wrongName = try Case.verifyFullWithWrongName.settings(schema: schema)
        let mismatch = await #expect(throws: PostgresConnectError.self) { try await store.open(wrongName) }
        #expect(mismatch?.description.contains("not issued for db.example.invalid (host name mismatch)") == true)
    }

    /// Mixed case is kept, not folded: `Kept_…` and `kept_…` are two schemas.
    @Test func schemaCaseIsKeptNotFolded() async throws {
        try await PostgresTestServer.withSchema("Kept_") { schema in
            let logger = PostgresTestServer.quietLogger
            let exact = try await PostgresTransferLogStore.connect(
                settings: try PostgresTestServer.settings(schema: schema), logger: logger)
            let folded = try await PostgresTransferLogStore.connect(
                settings: try PostgresTestServer.settings(schema: schema.lowercased()), logger: logger)
            try await exact.executeForTesting("INSERT INTO \"\(schema)\".log_tree_heads (size, note) VALUES (1, 'n')")
            #expect(try await exact.treeHeads().count == 1)
            #expect(try await folded.treeHeads().isEmpty)
            try await folded.dropSchema()
            try await exact.close()
            try await folded.close()
        }
    }
}
