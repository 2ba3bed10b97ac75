import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`,
/// so a commit is on disk before `append` returns.
public final class SQLiteTransferLogStore: TransferLogStore, SQLLogStore {
    let pool: DatabasePool
    let sql = LogSQL(dialect: .sqlite, prefix: "")

    public init(path: String) throws {
        do {
            pool = try Self.durablePool(path: path)
            try pool.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS log_entries (
                            seq INTEGER PRIMARY KEY,
                            time_ms INTEGER NOT NULL,
                            recipient TEXT NOT NULL,
                            purpose TEXT NOT NULL,
                            decision TEXT NOT NULL,
                            body BLOB,
                            leaf_hash BLOB NOT NULL,
                            tree_root BLOB NOT NULL
                        );
                        CREATE INDEX IF NOT EXISTS log_entries_recipient_time ON log_entries(recipient, time_ms);
                        CREATE TABLE IF NOT EXISTS log_tree_heads (size INTEGER PRIMARY KEY, note TEXT NOT NULL);
                        CREATE TABLE IF NOT EXISTS log_state (
                            id INTEGER PRIMARY KEY CHECK (id = 1),
                            size INTEGER NOT NULL,
                            frontier BLOB NOT NULL
                        );
                        INSERT OR IGNORE INTO log_state (id, size, frontier) VALUES (1, 0, x'');
                        """)
                for statement in sql.schema + [sql.initialiseDerived] {
                    try db.execute(sql: statement)
                }
                try backfillDerived(db)
                try backfillKeys(db)
            }
        } catch {
            throw TransferLogError.storeUnavailable("cannot open SQLite log: \(error)")
        }
    }

    public func append(_ entries: [TransferLogEntry], signer: TreeHeadSigner) async throws -> [SequencedEntry] {
        guard !entries.isEmpty else { return [] }
        return try await pool.write { db in
            guard let state = try Row.fetchOne(db.cachedStatement(sql: "SELECT size, frontier FROM log_state WHERE id = 1")) else {
                throw TransferLogError.corrupt("tree state row is missing")
            }
            let range = try CompactRange(size: state["size"], serialized: state["frontier"] ?? Data())
            let plan = try AppendPlan(entries: entries, range: range, signer: signer)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO log_entries (seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for r in plan.records {
                try insert.execute(arguments: [r.seq, r.timeMillis, r.recipient, r.purpose, r.decision, r.body, r.leafHash, r.treeRoot])
            }
            try write(plan.derived, size: plan.range.size, db)
            try db.cachedStatement(sql: "INSERT INTO log_tree_heads (size, note) VALUES (?, ?)")
                .execute(arguments: [plan.head.size, plan.head.note])
            try db.cachedStatement(sql: "UPDATE log_state SET size = ?, frontier = ? WHERE id = 1")
                .execute(arguments: [plan.range.size, plan.range.serialized])
            return plan.sequenced
        }
    }

    public func records(from: Int, limit: Int?) async throws -> [StoredRecord] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM log_entries WHERE seq >= ? ORDER BY seq LIMIT ?",
                arguments: [from, limit ?? -1])
            return rows.map(Self.record)
        }
    }

    public func treeHeads() async throws -> [StoredTreeHead] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT size, note FROM log_tree_heads ORDER BY size").map {
                StoredTreeHead(size: $0["size"], note: $0["note"])
            }
        }
    }

    public func redact(before: Date) async throws -> Int {
        let cutoff = Int64((before.timeIntervalSince1970 * 1000).rounded())
        return try await pool.write { db in
            try db.execute(sql: "UPDATE log_entries SET body = NULL WHERE time_ms < ? AND body IS NOT NULL", arguments: [cutoff])
            return db.changesCount
        }
    }

    public func snapshot() async throws -> LogSnapshot {
        // A read in WAL mode is one transaction: entries and heads agree.
        try await pool.read { db in
            let records = try Row.fetchAll(db, sql: "SELECT * FROM log_entries ORDER BY seq").map(Self.record)
            let (heads, hourly) = try Self.headsAndTallies(db)
            return LogSnapshot(records: records, heads: heads, hourly: hourly)
        }
    }

    public func scan(_ verification: LogVerification) async throws -> LogVerification {
        // One read transaction: heads, tallies and entries agree; a cursor
        // keeps one row in memory at a time.
        try await pool.read { db in
            var verification = verification
            let (heads, hourly) = try Self.headsAndTallies(db)
            try verification.begin(heads: heads, hourly: hourly)
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM log_entries ORDER BY seq")
            while let row = try rows.next() { try verification.add(Self.record(row)) }
            return verification
        }
    }

    /// Every signed tree head and hourly tally, inside the caller's read.
    private static func headsAndTallies(_ db: Database) throws -> ([StoredTreeHead], [HourlyTally]) {
        let heads = try Row.fetchAll(db, sql: "SELECT size, note FROM log_tree_heads ORDER BY size").map {
            StoredTreeHead(size: $0["size"], note: $0["note"])
        }
        let hourly = try Row.fetchAll(db, sql: "SELECT hour, recipient, purpose, decision, entries FROM log_hourly").map {
            HourlyTally(hour: $0["hour"], recipient: $0["recipient"], purpose: $0["purpose"], decision: $0["decision"], entries: $0["entries"])
        }
        return (heads, hourly)
    }

    public func tail(from: Int) async throws -> LogTail {
        try await pool.read { db in
            guard let state = try Row.fetchOne(db, sql: "SELECT size, frontier FROM log_state WHERE id = 1") else {
                throw TransferLogError.corrupt("tree state row is missing")
            }
            let leaves = try Row.fetchAll(
                db, sql: "SELECT seq, leaf_hash FROM log_entries WHERE seq >= ? ORDER BY seq", arguments: [from]
            ).map { row -> (seq: Int, hash: Data) in (row["seq"], row["leaf_hash"] ?? Data()) }
            let heads = try Row.fetchAll(
                db, sql: "SELECT size, note FROM log_tree_heads WHERE size >= ? ORDER BY size", arguments: [from]
            ).map { StoredTreeHead(size: $0["size"], note: $0["note"]) }
            return LogTail(
                state: try CompactRange(size: state["size"], serialized: state["frontier"] ?? Data()), leafHashes: leaves, heads: heads)
        }
    }

    public func replaceTreeHead(size: Int, old: String, new: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE log_tree_heads SET note = ? WHERE size = ? AND note = ?", arguments: [new, size, old])
            return db.changesCount == 1
        }
    }

    /// A WAL pool whose commits are on disk before they return. Another
    /// process (a reviewer's CLI) may hold the write lock briefly.
    static func durablePool(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return try DatabasePool(path: path, configuration: configuration)
    }

    // MARK: Derived tables

    /// Adds tiles, tallies and failed checks of one batch; the caller's
    /// transaction makes them part of the append.
    private func write(_ derived: DerivedRows, size: Int, _ db: Database) throws {
        for append in derived.tiles {
            let read = sql.readTile(append.tile)
            let stored = try LogSQL.checkTile(
                append, stored: try Data.fetchOne(db.cachedStatement(sql: read.sql), arguments: Self.arguments(read.values)))
            try run(sql.writeTile(append, stored: stored), db, cached: true)
        }
        for statement in sql.inserts(derived) {
            try run(statement, db)
        }
        try run(sql.setDerivedSize(size), db, cached: true)
    }

    /// Fills the derived tables of a log written before they existed, in
    /// the opening transaction, so no append can interleave.
    private func backfillDerived(_ db: Database) throws {
        let derivedSize = try Int.fetchOne(db, sql: sql.derivedSize) ?? 0
        let size = try Int.fetchOne(db, sql: "SELECT size FROM log_state WHERE id = 1") ?? 0
        guard derivedSize < size else { return }
        guard derivedSize == 0 else { throw TransferLogError.corrupt("derived tables cover \(derivedSize) of \(size) entries") }
        var range = CompactRange()
        while range.size < size {
            let records = try Row.fetchAll(
                db, sql: "SELECT * FROM log_entries WHERE seq >= ? ORDER BY seq LIMIT 10000", arguments: [range.size]
            ).map(Self.record)
            guard !records.isEmpty, records.enumerated().allSatisfy({ $0.element.seq == range.size + $0.offset }) else {
                throw TransferLogError.corrupt("entries missing near \(range.size); run verify")
            }
            let entries = records.map { $0.body.flatMap { try? EntryBody.decode($0).entry } }
            try write(DerivedRows(records: records, entries: entries, start: range), size: range.size + records.count, db)
            for record in records { range.append(record.leafHash) }
        }
    }

    /// Fills the key index of a log written before it existed, in the
    /// opening transaction.
    private func backfillKeys(_ db: Database) throws {
        let probes = sql.keyIndexProbes
        guard try Int.fetchOne(db, sql: probes.index) == nil, try Int.fetchOne(db, sql: probes.bodies) != nil else { return }
        var next = 0
        while true {
            let records = try Row.fetchAll(
                db, sql: "SELECT * FROM log_entries WHERE seq >= ? ORDER BY seq LIMIT 10000", arguments: [next]
            ).map(Self.record)
            guard let last = records.last else { return }
            let keys = records.flatMap { LogKey.keys(of: $0.body.flatMap { try? EntryBody.decode($0).entry }, seq: $0.seq) }
            for statement in sql.keyInserts(keys) { try run(statement, db) }
            next = last.seq + 1
        }
    }

    static func record(_ row: Row) -> StoredRecord {
        StoredRecord(
            seq: row["seq"], timeMillis: row["time_ms"], recipient: row["recipient"],
            purpose: row["purpose"], decision: row["decision"], body: row["body"],
            leafHash: row["leaf_hash"] ?? Data(), treeRoot: row["tree_root"] ?? Data())
    }

    private static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(
            values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .text(let text): text
                case .integer(let number): number
                case .blob(let data): data
                case .null: nil
                }
            })
    }

    /// - Parameter cached: prepare once per connection; only for statements
    ///   of fixed text (multi-row inserts vary with the batch).
    private func run(_ statement: SQLStatement, _ db: Database, cached: Bool = false) throws {
        let prepared = cached ? try db.cachedStatement(sql: statement.sql) : try db.makeStatement(sql: statement.sql)
        try prepared.execute(arguments: Self.arguments(statement.values))
    }

    func fetch(_ statement: SQLStatement, _ columns: [SQLColumn]) async throws -> [[SQLValue]] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: statement.sql, arguments: Self.arguments(statement.values)).map { row in
                row.databaseValues.map { value -> SQLValue in
                    switch value.storage {
                    case .int64(let number): .integer(number)
                    case .double(let number): .integer(Int64(number))
                    case .string(let text): .text(text)
                    case .blob(let data): .blob(data)
                    case .null: .null
                    }
                }
            }
        }
    }

    func execute(_ statement: SQLStatement) async throws {
        try await pool.write { db in try self.run(statement, db) }
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

    public func close() async throws {
        try pool.close()
    }
}
