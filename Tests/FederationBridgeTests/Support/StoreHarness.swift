import Foundation
import Logging
import Testing

@testable import FederationBridge

/// Runs a test body against each store: a fresh SQLite file, or a fresh
/// schema in the PostgreSQL server named by FB_TEST_POSTGRES_URL.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    struct MissingPostgres: Error, CustomStringConvertible {
        var description: String {
            "FB_TEST_POSTGRES_URL is not set: run the tests through scripts/test.sh, which starts a PostgreSQL server on loopback"
        }
    }

    func withStore<T: Sendable>(_ body: @Sendable (any StateStore) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            let file = FileManager.default.temporaryDirectory
                .appendingPathComponent("fb-store-\(UUID().uuidString)", isDirectory: true)
                .appendingPathComponent("state.sqlite")
            defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
            let store = try SQLiteStateStore(path: file)
            try await store.prepare()
            return try await body(store)
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["FB_TEST_POSTGRES_URL"], !url.isEmpty else {
                throw MissingPostgres()
            }
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let fixture = try ConfigFixture()
            defer { fixture.remove() }
            let yaml = ConfigFixture.yaml().replacingOccurrences(
                of: "url: sqlite:var/bridge.sqlite", with: "url: \"\(url)?schema=\(schema)\"")
            let configuration = try fixture.load(yaml)
            guard case .postgres(let settings) = configuration.store else { throw MissingPostgres() }
            let store = try PostgresStateStore(settings: settings, logger: Logger(label: "test.postgres"))
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                defer { group.cancelAll() }
                try await store.prepare()
                return try await body(store)
            }
        }
    }
}
