import Foundation
import Logging
import PostgresNIO

/// The shared store for several bridge instances: one PostgreSQL schema,
/// one sequence. Appends lock the single tree-state row (`FOR UPDATE`) inside
/// their transaction, so instances take turns and sequence numbers stay
/// contiguous; the commit (with the server's default `synchronous_commit`)
/// is the durability point.
public final class PostgresTransferLogStore: TransferLogStore {
    let client: PostgresClient
    let runner: Task<Void, Never>
    let schema: SQLIdentifier
    let logger: Logger

    private init(client: PostgresClient, schema: SQLIdentifier, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
        self.runner = Task { await client.run() }
    }

    /// Connects and creates the schema and tables when missing. Fails with
    /// `PostgresConnectError` naming the reason when the server cannot be
    /// reached as configured (TLS included).
    public static func connect(
        settings: PostgresConnectionSettings,
        logger: Logger = Logger(label: "federationbridge.transferlog.postgres")
    ) async throws -> PostgresTransferLogStore {
        try await settings.checkConnection(logger: logger)
        let client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: logger)
        let store = PostgresTransferLogStore(client: client, schema: settings.schema, logger: logger)
        do {
            try await store.migrate()
        } catch {
            try? await store.close()
            throw TransferLogError.storeUnavailable("cannot prepare PostgreSQL log: \(String(reflecting: error))")
        }
        return store
    }

    /// Connects by URL (`postgres://user@host:port/db?schema=NAME&sslmode=…`).
    public static func connect(url: String) async throws -> PostgresTransferLogStore {
        let settings: PostgresConnectionSettings
        do {
            settings = try PostgresConnectionSettings(url: url)
        } catch {
            throw TransferLogError.badStoreURL("\(error)")
        }
        return try await connect(settings: settings)
    }

    /// Session encryption as the server reports it, for one pooled connection.
    public func sessionSecurity() async throws -> PostgresSessionSecurity {
        try await PostgresSessionSecurity.read(from: client, logger: logger)
    }

    private var entries: String { schema.qualified("log_entries") }
    private var heads: String { schema.qualified("log_tree_heads") }
    private var state: String { schema.qualified("log_state") }

    private func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            // Instances starting together must not race on CREATE.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(schema.name)))", logger: logger)
            try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema.quoted)", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS \(unescaped: entries) (
                    seq BIGINT PRIMARY KEY,
                    time_ms BIGINT NOT NULL,
                    recipient TEXT NOT NULL,
                    purpose TEXT NOT NULL,
                    decision TEXT NOT NULL,
                    body BYTEA,
                    leaf_hash BYTEA NOT NULL,
                    tree_root BYTEA NOT NULL
                )
                """, logger: logger)
            try await connection.query(
                "CREATE INDEX IF NOT EXISTS log_entries_recipient_time ON \(unescaped: entries) (recipient, time_ms)",
                logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS \(unescaped: heads) (size BIGINT PRIMARY KEY, note TEXT NOT NULL)",
                logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS \(unescaped: state) (
                    id INT PRIMARY KEY CHECK (id = 1), size BIGINT NOT NULL, frontier BYTEA NOT NULL)
                """, logger: logger)
            try await connection.query(
                "INSERT INTO \(unescaped: state) (id, size, frontier) VALUES (1, 0, ''::bytea) ON CONFLICT DO NOTHING",
                logger: logger)
        }
    }

    public func append(_ newEntries: [TransferLogEntry], signer: TreeHeadSigner) async throws -> [SequencedEntry] {
        guard !newEntries.isEmpty else { return [] }
        let entries = self.entries, heads = self.heads, state = self.state, logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT size, frontier FROM \(unescaped: state) WHERE id = 1 FOR UPDATE", logger: logger)
            var current: (Int64, Data)?
            for try await row in rows.decode((Int64, Data).self) { current = row }
            guard let current else { throw TransferLogError.corrupt("tree state row is missing") }
            let (size, frontier) = current
            let plan = try AppendPlan(
                entries: newEntries, range: try CompactRange(size: Int(size), serialized: frontier), signer: signer)

            var binds = PostgresBindings(capacity: plan.records.count * 8)
            var values: [String] = []
            for (i, r) in plan.records.enumerated() {
                let b = i * 8
                values.append("($\(b + 1), $\(b + 2), $\(b + 3), $\(b + 4), $\(b + 5), $\(b + 6), $\(b + 7), $\(b + 8))")
                binds.append(Int64(r.seq))
                binds.append(r.timeMillis)
                binds.append(r.recipient)
                binds.append(r.purpose)
                binds.append(r.decision)
                try binds.append(r.body)
                try binds.append(r.leafHash)
                try binds.append(r.treeRoot)
            }
            try await connection.query(PostgresQuery(
                unsafeSQL: "INSERT INTO \(entries) (seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root) VALUES "
                    + values.joined(separator: ", "),
                binds: binds), logger: logger)
            try await connection.query(
                "INSERT INTO \(unescaped: heads) (size, note) VALUES (\(Int64(plan.head.size)), \(plan.head.note))",
                logger: logger)
            try await connection.query(try
                "UPDATE \(unescaped: state) SET size = \(Int64(plan.range.size)), frontier = \(plan.range.serialized) WHERE id = 1",
                logger: logger)
            return plan.sequenced
        }
    }

    public func records(from: Int, limit: Int?) async throws -> [StoredRecord] {
        let limitClause = limit.map { " LIMIT \(max(0, $0))" } ?? ""
        let rows = try await client.query(
            "SELECT seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root FROM \(unescaped: entries) WHERE seq >= \(Int64(from)) ORDER BY seq\(unescaped: limitClause)",
            logger: logger)
        var result: [StoredRecord] = []
        for try await (seq, time, recipient, purpose, decision, body, leaf, root)
            in rows.decode((Int64, Int64, String, String, String, Data?, Data, Data).self) {
            result.append(StoredRecord(
                seq: Int(seq), timeMillis: time, recipient: recipient, purpose: purpose,
                decision: decision, body: body, leafHash: leaf, treeRoot: root))
        }
        return result
    }

    public func treeHeads() async throws -> [StoredTreeHead] {
        let rows = try await client.query("SELECT size, note FROM \(unescaped: heads) ORDER BY size", logger: logger)
        var result: [StoredTreeHead] = []
        for try await (size, note) in rows.decode((Int64, String).self) {
            result.append(StoredTreeHead(size: Int(size), note: note))
        }
        return result
    }

    public func transferTimes(recipient: String, since: Date) async throws -> [Date] {
        let sinceMillis = Int64((since.timeIntervalSince1970 * 1000).rounded())
        let rows = try await client.query(
            "SELECT time_ms FROM \(unescaped: entries) WHERE recipient = \(recipient) AND decision = 'transfer' AND time_ms >= \(sinceMillis)",
            logger: logger)
        var result: [Date] = []
        for try await time in rows.decode(Int64.self) {
            result.append(Date(timeIntervalSince1970: Double(time) / 1000))
        }
        return result
    }

    public func redact(before: Date) async throws -> Int {
        let cutoff = Int64((before.timeIntervalSince1970 * 1000).rounded())
        let rows = try await client.query(
            "UPDATE \(unescaped: entries) SET body = NULL WHERE time_ms < \(cutoff) AND body IS NOT NULL RETURNING seq",
            logger: logger)
        var count = 0
        for try await _ in rows.decode(Int64.self) { count += 1 }
        return count
    }

    /// Drops the whole schema; for tests that isolate themselves by schema.
    public func dropSchema() async throws {
        try await client.query("DROP SCHEMA IF EXISTS \(unescaped: schema.quoted) CASCADE", logger: logger)
    }

    /// Runs raw SQL; for tests that tamper with rows on purpose.
    public func executeForTesting(_ sql: String) async throws {
        try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    public func close() async throws {
        runner.cancel()
        _ = await runner.value
    }
}
