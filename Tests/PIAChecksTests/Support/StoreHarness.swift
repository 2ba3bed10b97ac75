import Foundation
import GRDB
import Testing

@testable import PIAChecks

/// Which store a shared test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A fresh, isolated store: its own SQLite file or its own PostgreSQL schema.
struct StoreHarness: Sendable {
    let kind: StoreKind
    let url: String
    let sqlitePath: String?

    /// Creates a harness, or records an issue (failing the test) when
    /// PostgreSQL was asked for but no server was given.
    static func make(_ kind: StoreKind) -> StoreHarness? {
        switch kind {
        case .sqlite:
            let path = Fixtures.temporaryPath("log.sqlite")
            return StoreHarness(kind: kind, url: "sqlite:" + path, sqlitePath: path)
        case .postgres:
            guard let base = ProcessInfo.processInfo.environment["FB_TEST_POSTGRES_URL"], !base.isEmpty else {
                Issue.record("FB_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts a PostgreSQL server on loopback and sets it")
                return nil
            }
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(24)
            let separator = base.contains("?") ? "&" : "?"
            return StoreHarness(kind: kind, url: base + separator + "schema=" + schema, sqlitePath: nil)
        }
    }

    func open() async throws -> any TransferLogStore {
        try await TransferLogStores.open(url: url)
    }

    /// Runs SQL directly against the stored rows, bypassing the log, as an
    /// attacker with database access would.
    func tamper(_ sql: String) async throws {
        switch kind {
        case .sqlite:
            let queue = try DatabaseQueue(path: sqlitePath ?? "")
            try await queue.write { db in try db.execute(sql: sql) }
            try queue.close()
        case .postgres:
            let store = try await PostgresTransferLogStore.connect(url: url)
            let schema = url.components(separatedBy: "schema=").last ?? ""
            for statement in sql.components(separatedBy: "; ") {
                try await store.executeForTesting(statement.replacingOccurrences(of: "log_", with: "\"\(schema)\".log_"))
            }
            try await store.close()
        }
    }

    func cleanUp() async {
        switch kind {
        case .sqlite:
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: (sqlitePath ?? "") + suffix)
            }
        case .postgres:
            if let store = try? await PostgresTransferLogStore.connect(url: url) {
                try? await store.dropSchema()
                try? await store.close()
            }
        }
    }
}

/// Opens a fresh log on `kind`, runs `body`, then removes the store.
func withLog(
    _ kind: StoreKind, signedState: SignedTreeStateFile? = nil, _ body: (TransferLog, StoreHarness) async throws -> Void
) async throws {
    guard let harness = StoreHarness.make(kind) else { return }
    let store = try await harness.open()
    let log = TransferLog(store: store, signer: try Fixtures.signer(), signedState: signedState)
    do {
        try await body(log, harness)
    } catch {
        try? await store.close()
        await harness.cleanUp()
        throw error
    }
    try await store.close()
    await harness.cleanUp()
}
