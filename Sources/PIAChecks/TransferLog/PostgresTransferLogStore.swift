import Foundation
import Logging
import PostgresNIO

/// The shared store for several bridge instances: one PostgreSQL schema,
/// one sequence. Appends lock the single tree-state row (`FOR UPDATE`) inside
/// their transaction, so instances take turns and sequence numbers stay
/// contiguous; the commit (with the server's default `synchronous_commit`)
/// is the durability point.
public final class PostgresTransferLogStore: TransferLogStore, SQLLogStore {
    let client: PostgresClient
    let runner: Task<Void, Never>
    let schema: SQLIdentifier
    let logger: Logger
    let sql: LogSQL

    private init(client: PostgresClient, schema: SQLIdentifier, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
        self.sql = LogSQL(dialect: .postgres, prefix: schema.quoted + ".")
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
            try await connection.query(
                """
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
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: state) (
                    id INT PRIMARY KEY CHECK (id = 1), size BIGINT NOT NULL, frontier BYTEA NOT NULL)
                """, logger: logger)
            try await connection.query(
                "INSERT INTO \(unescaped: state) (id, size, frontier) VALUES (1, 0, ''::bytea) ON CONFLICT DO NOTHING",
                logger: logger)
            for statement in sql.schema + [sql.initialiseDerived] {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await backfillDerived(connection)
            try await backfillKeys(connection)
        }
    }

    public func append(_ newEntries: [TransferLogEntry], signer: TreeHeadSigner) async throws -> [SequencedEntry] {
        guard !newEntries.isEmpty else { return [] }
        let entries = self.entries
        let heads = self.heads
        let state = self.state
        let logger = self.logger
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
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: "INSERT INTO \(entries) (seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root) VALUES "
                        + values.joined(separator: ", "),
                    binds: binds), logger: logger)
            try await self.write(plan.derived, size: plan.range.size, connection)
            try await connection.query(
                "INSERT INTO \(unescaped: heads) (size, note) VALUES (\(Int64(plan.head.size)), \(plan.head.note))",
                logger: logger)
            try await connection.query(
                try "UPDATE \(unescaped: state) SET size = \(Int64(plan.range.size)), frontier = \(plan.range.serialized) WHERE id = 1",
                logger: logger)
            return plan.sequenced
        }
    }

    public func records(from: Int, limit: Int?) async throws -> [StoredRecord] {
        let limitClause = limit.map { " LIMIT \(max(0, $0))" } ?? ""
        let rows = try await client.query(
            "SELECT seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root FROM \(unescaped: entries) WHERE seq >= \(Int64(from)) ORDER BY seq\(unescaped: limitClause)",
            logger: logger)
        return try await Self.records(rows)
    }

    /// Rows of `SELECT seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root`.
    private static func records(_ rows: PostgresRowSequence) async throws -> [StoredRecord] {
        var result: [StoredRecord] = []
        try await forEachRecord(rows) { result.append($0) }
        return result
    }

    /// Hands rows over as postgres-nio streams them in.
    private static func forEachRecord(_ rows: PostgresRowSequence, _ body: (StoredRecord) throws -> Void) async throws {
        for try await (seq, time, recipient, purpose, decision, storedBody, leaf, root)
            in rows.decode((Int64, Int64, String, String, String, Data?, Data, Data).self)
        {
            try body(
                StoredRecord(
                    seq: Int(seq), timeMillis: time, recipient: recipient, purpose: purpose,
                    decision: decision, body: storedBody, leafHash: leaf, treeRoot: root))
        }
    }

    private static func hourly(_ connection: PostgresConnection, _ table: String, logger: Logger) async throws -> [HourlyTally] {
        var hourly: [HourlyTally] = []
        for try await (hour, recipient, purpose, decision, count) in try await connection.query(
            "SELECT hour, recipient, purpose, decision, entries FROM \(unescaped: table)", logger: logger
        ).decode((Int64, String, String, String, Int64).self) {
            hourly.append(HourlyTally(hour: Int(hour), recipient: recipient, purpose: purpose, decision: decision, entries: Int(count)))
        }
        return hourly
    }

    public func treeHeads() async throws -> [StoredTreeHead] {
        let rows = try await client.query("SELECT size, note FROM \(unescaped: heads) ORDER BY size", logger: logger)
        var result: [StoredTreeHead] = []
        for try await (size, note) in rows.decode((Int64, String).self) {
            result.append(StoredTreeHead(size: Int(size), note: note))
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

    public func snapshot() async throws -> LogSnapshot {
        let entries = self.entries
        let heads = self.heads
        let hourlyTable = schema.qualified("log_hourly")
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            // One snapshot for all reads, so heads and tallies are never newer than entries.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            let rows = try await connection.query(
                "SELECT seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root FROM \(unescaped: entries) ORDER BY seq",
                logger: logger)
            let records = try await Self.records(rows)
            let storedHeads = try await Self.heads(connection, heads, from: 0, logger: logger)
            let hourly = try await Self.hourly(connection, hourlyTable, logger: logger)
            return LogSnapshot(records: records, heads: storedHeads, hourly: hourly)
        }
    }

    public func scan(_ verification: LogVerification) async throws -> LogVerification {
        let entries = self.entries
        let heads = self.heads
        let hourlyTable = schema.qualified("log_hourly")
        let logger = self.logger
        do {
            return try await scanInTransaction(verification, entries: entries, heads: heads, hourlyTable: hourlyTable, logger: logger)
        } catch let error as PostgresTransactionError {
            // What verification found, not the transaction's wrapping of it.
            if let found = error.closureError as? LogVerificationError { throw found }
            throw error
        }
    }

    private func scanInTransaction(
        _ verification: LogVerification, entries: String, heads: String, hourlyTable: String, logger: Logger
    ) async throws -> LogVerification {
        try await client.withTransaction(logger: logger) { connection in
            // One snapshot: heads and tallies are never newer than the entries.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var verification = verification
            try verification.begin(
                heads: try await Self.heads(connection, heads, from: 0, logger: logger),
                hourly: try await Self.hourly(connection, hourlyTable, logger: logger))
            let rows = try await connection.query(
                "SELECT seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root FROM \(unescaped: entries) ORDER BY seq",
                logger: logger)
            try await Self.forEachRecord(rows) { try verification.add($0) }
            return verification
        }
    }

    public func tail(from: Int) async throws -> LogTail {
        let entries = self.entries
        let heads = self.heads
        let state = self.state
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var current: (Int64, Data)?
            for try await row in try await connection.query(
                "SELECT size, frontier FROM \(unescaped: state) WHERE id = 1", logger: logger
            ).decode((Int64, Data).self) { current = row }
            guard let current else { throw TransferLogError.corrupt("tree state row is missing") }
            var leaves: [(seq: Int, hash: Data)] = []
            for try await (seq, hash) in try await connection.query(
                "SELECT seq, leaf_hash FROM \(unescaped: entries) WHERE seq >= \(Int64(from)) ORDER BY seq", logger: logger
            ).decode((Int64, Data).self) { leaves.append((Int(seq), hash)) }
            return LogTail(
                state: try CompactRange(size: Int(current.0), serialized: current.1), leafHashes: leaves,
                heads: try await Self.heads(connection, heads, from: from, logger: logger))
        }
    }

    private static func heads(_ connection: PostgresConnection, _ table: String, from: Int, logger: Logger) async throws -> [StoredTreeHead] {
        var result: [StoredTreeHead] = []
        for try await (size, note) in try await connection.query(
            "SELECT size, note FROM \(unescaped: table) WHERE size >= \(Int64(from)) ORDER BY size", logger: logger
        ).decode((Int64, String).self) { result.append(StoredTreeHead(size: Int(size), note: note)) }
        return result
    }

    public func replaceTreeHead(size: Int, old: String, new: String) async throws -> Bool {
        let rows = try await client.query(
            "UPDATE \(unescaped: heads) SET note = \(new) WHERE size = \(Int64(size)) AND note = \(old) RETURNING size",
            logger: logger)
        var changed = 0
        for try await _ in rows.decode(Int64.self) { changed += 1 }
        return changed == 1
    }

    // MARK: Derived tables

    /// Adds tiles, tallies and failed checks of one batch inside the
    /// caller's transaction.
    private func write(_ derived: DerivedRows, size: Int, _ connection: PostgresConnection) async throws {
        for append in derived.tiles {
            let stored = try LogSQL.checkTile(
                append, stored: try await Self.rows(sql.readTile(append.tile), [.blob], connection, logger).first?[0].data)
            _ = try await Self.rows(sql.writeTile(append, stored: stored), [], connection, logger)
        }
        for statement in sql.inserts(derived) + [sql.setDerivedSize(size)] {
            _ = try await Self.rows(statement, [], connection, logger)
        }
    }

    /// Fills the derived tables of a log written before they existed, under
    /// the tree-state row lock so no append can interleave.
    private func backfillDerived(_ connection: PostgresConnection) async throws {
        let size =
            try await Self.rows(
                SQLStatement(sql: "SELECT size FROM \(state) WHERE id = 1 FOR UPDATE", values: []), [.integer], connection, logger
            ).first?[0].int ?? 0
        let derivedSize = try await Self.rows(SQLStatement(sql: sql.derivedSize, values: []), [.integer], connection, logger).first?[0].int ?? 0
        guard derivedSize < size else { return }
        guard derivedSize == 0 else { throw TransferLogError.corrupt("derived tables cover \(derivedSize) of \(size) entries") }
        var range = CompactRange()
        while range.size < size {
            let records = try await Self.rows(
                SQLStatement(
                    sql:
                        "SELECT seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root FROM \(entries) WHERE seq >= $1 ORDER BY seq LIMIT 10000",
                    values: [.integer(Int64(range.size))]),
                Self.entryColumns, connection, logger
            ).map(Self.record)
            guard !records.isEmpty, records.enumerated().allSatisfy({ $0.element.seq == range.size + $0.offset }) else {
                throw TransferLogError.corrupt("entries missing near \(range.size); run verify")
            }
            let decoded = records.map { $0.body.flatMap { try? EntryBody.decode($0).entry } }
            try await write(DerivedRows(records: records, entries: decoded, start: range), size: range.size + records.count, connection)
            for record in records { range.append(record.leafHash) }
        }
    }

    /// Fills the key index of a log written before it existed.
    private func backfillKeys(_ connection: PostgresConnection) async throws {
        let probes = sql.keyIndexProbes
        guard try await Self.rows(SQLStatement(sql: probes.index, values: []), [.integer], connection, logger).isEmpty,
            try await !Self.rows(SQLStatement(sql: probes.bodies, values: []), [.integer], connection, logger).isEmpty
        else { return }
        var next = 0
        while true {
            let records = try await Self.rows(
                SQLStatement(
                    sql:
                        "SELECT seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root FROM \(entries) WHERE seq >= $1 ORDER BY seq LIMIT 10000",
                    values: [.integer(Int64(next))]),
                Self.entryColumns, connection, logger
            ).map(Self.record)
            guard let last = records.last else { return }
            let keys = records.flatMap { LogKey.keys(of: $0.body.flatMap { try? EntryBody.decode($0).entry }, seq: $0.seq) }
            for statement in sql.keyInserts(keys) { _ = try await Self.rows(statement, [], connection, logger) }
            next = last.seq + 1
        }
    }

    private static func rows(
        _ statement: SQLStatement, _ columns: [SQLColumn], _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [[SQLValue]] {
        var binds = PostgresBindings(capacity: statement.values.count)
        for value in statement.values {
            switch value {
            case .text(let text): binds.append(text)
            case .integer(let number): binds.append(number)
            case .blob(let data): try binds.append(data)
            case .null: binds.appendNull()
            }
        }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: statement.sql, binds: binds), logger: logger)
        var result: [[SQLValue]] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            result.append(
                try columns.enumerated().map { index, column -> SQLValue in
                    switch column {
                    case .integer: .integer(try cells[index].decode(Int64.self))
                    case .text: .text(try cells[index].decode(String.self))
                    case .blob: .blob(try cells[index].decode(Data.self))
                    case .optionalBlob: try cells[index].decode(Data?.self).map(SQLValue.blob) ?? .null
                    }
                })
        }
        return result
    }

    func fetch(_ statement: SQLStatement, _ columns: [SQLColumn]) async throws -> [[SQLValue]] {
        let logger = self.logger
        return try await client.withConnection { connection in
            try await Self.rows(statement, columns, connection, logger)
        }
    }

    func execute(_ statement: SQLStatement) async throws {
        _ = try await fetch(statement, [])
    }

    // MARK: Indexed reads

    public func treeHeads(from size: Int) async throws -> [StoredTreeHead] { try await queryTreeHeads(from: size, latestOnly: false) }
    public func latestTreeHead() async throws -> StoredTreeHead? { try await queryTreeHeads(from: 0, latestOnly: true).first }
    public func treeHead(size: Int) async throws -> StoredTreeHead? { try await queryTreeHead(size: size) }
    public func tiles(_ ids: Set<TileID>) async throws -> [TileID: Data] { try await queryTiles(ids) }
    public func search(_ filter: LogFilter, page: Page, newestFirst: Bool) async throws -> [StoredRecord] {
        try await querySearch(filter, page: page, newestFirst: newestFirst)
    }
    public func count(_ filter: LogFilter) async throws -> Int { try await queryCount(filter) }
    public func timeBounds(_ filter: LogFilter) async throws -> ClosedRange<Int64>? { try await queryTimeBounds(filter) }
    public func tallies(purpose: String?, hours: Range<Int>?) async throws -> LogTallies {
        try await queryTallies(purpose: purpose, hours: hours)
    }
    public func transferCounts(recipient: String, hours: ClosedRange<Int>) async throws -> [Int: Int] {
        try await queryTransferCounts(recipient: recipient, hours: hours)
    }
    public func verifiedState(verifier: String) async throws -> VerifiedState? { try await queryVerifiedState(verifier: verifier) }
    public func saveVerifiedState(_ state: VerifiedState, verifier: String) async throws {
        try await storeVerifiedState(state, verifier: verifier)
    }

    /// `VACUUM ANALYZE` of the entry table: what autovacuum does on a running
    /// server, run by the benchmark right after its bulk load.
    public func vacuumAnalyze() async throws {
        try await client.query(PostgresQuery(unsafeSQL: "VACUUM ANALYZE \(entries)"), logger: logger)
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

extension TreeMoved {
    /// The pin mismatch from either store: PostgreSQL hands errors thrown in
    /// a transaction back wrapped in its transaction error.
    static func found(in error: any Error) -> TreeMoved? {
        if let moved = error as? TreeMoved { return moved }
        return (error as? PostgresTransactionError)?.closureError as? TreeMoved
    }
}
