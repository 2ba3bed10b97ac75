import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`,
/// so a commit is on disk before `append` returns.
public final class SQLiteTransferLogStore: TransferLogStore {
    let pool: DatabasePool

    public init(path: String) throws {
        do {
            pool = try Self.durablePool(path: path)
            try pool.write { db in
                try db.execute(sql: """
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
            }
        } catch {
            throw TransferLogError.storeUnavailable("cannot open SQLite log: \(error)")
        }
    }

    public func append(_ entries: [TransferLogEntry], signer: TreeHeadSigner) async throws -> [SequencedEntry] {
        guard !entries.isEmpty else { return [] }
        return try await pool.write { db in
            guard let state = try Row.fetchOne(db, sql: "SELECT size, frontier FROM log_state WHERE id = 1") else {
                throw TransferLogError.corrupt("tree state row is missing")
            }
            let range = try CompactRange(size: state["size"], serialized: state["frontier"] ?? Data())
            let plan = try AppendPlan(entries: entries, range: range, signer: signer)
            for r in plan.records {
                try db.execute(
                    sql: """
                        INSERT INTO log_entries (seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [r.seq, r.timeMillis, r.recipient, r.purpose, r.decision, r.body, r.leafHash, r.treeRoot])
            }
            try db.execute(sql: "INSERT INTO log_tree_heads (size, note) VALUES (?, ?)", arguments: [plan.head.size, plan.head.note])
            try db.execute(
                sql: "UPDATE log_state SET size = ?, frontier = ? WHERE id = 1",
                arguments: [plan.range.size, plan.range.serialized])
            return plan.sequenced
        }
    }

    public func records(from: Int, limit: Int?) async throws -> [StoredRecord] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM log_entries WHERE seq >= ? ORDER BY seq LIMIT ?",
                arguments: [from, limit ?? -1])
            return rows.map { row in
                StoredRecord(
                    seq: row["seq"], timeMillis: row["time_ms"], recipient: row["recipient"],
                    purpose: row["purpose"], decision: row["decision"], body: row["body"],
                    leafHash: row["leaf_hash"] ?? Data(), treeRoot: row["tree_root"] ?? Data())
            }
        }
    }

    public func treeHeads() async throws -> [StoredTreeHead] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT size, note FROM log_tree_heads ORDER BY size").map {
                StoredTreeHead(size: $0["size"], note: $0["note"])
            }
        }
    }

    public func transferTimes(recipient: String, since: Date) async throws -> [Date] {
        let sinceMillis = Int64((since.timeIntervalSince1970 * 1000).rounded())
        return try await pool.read { db in
            try Int64.fetchAll(
                db,
                sql: "SELECT time_ms FROM log_entries WHERE recipient = ? AND decision = 'transfer' AND time_ms >= ?",
                arguments: [recipient, sinceMillis]
            ).map { Date(timeIntervalSince1970: Double($0) / 1000) }
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
            let heads = try Row.fetchAll(db, sql: "SELECT size, note FROM log_tree_heads ORDER BY size").map {
                StoredTreeHead(size: $0["size"], note: $0["note"])
            }
            return LogSnapshot(records: records, heads: heads)
        }
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

    static func record(_ row: Row) -> StoredRecord {
        StoredRecord(
            seq: row["seq"], timeMillis: row["time_ms"], recipient: row["recipient"],
            purpose: row["purpose"], decision: row["decision"], body: row["body"],
            leafHash: row["leaf_hash"] ?? Data(), treeRoot: row["tree_root"] ?? Data())
    }

    public func close() async throws {
        try pool.close()
    }
}
