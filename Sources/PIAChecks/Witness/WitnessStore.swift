import Foundation
import GRDB

/// A witness's own SQLite file: for each log origin, the latest checkpoint
/// it cosigned. Updates are compare-and-swap on the size and root the check
/// started from, so two requests racing cannot roll the record back.
public final class WitnessStore: Sendable {
    let pool: DatabasePool

    /// The latest cosigned tree of one log.
    public struct Latest: Sendable, Hashable {
        public var size: Int
        public var root: Data
        public var checkpoint: String
    }

    public init(path: String) throws {
        do {
            pool = try SQLiteTransferLogStore.durablePool(path: path)
            try pool.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS witnessed_logs (
                            origin TEXT PRIMARY KEY,
                            size INTEGER NOT NULL,
                            root BLOB NOT NULL,
                            checkpoint TEXT NOT NULL
                        )
                        """)
            }
        } catch {
            throw TransferLogError.storeUnavailable("cannot open the witness store: \(error)")
        }
    }

    public func latest(origin: String) async throws -> Latest? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT size, root, checkpoint FROM witnessed_logs WHERE origin = ?", arguments: [origin]).map {
                Latest(size: $0["size"], root: $0["root"] ?? Data(), checkpoint: $0["checkpoint"])
            }
        }
    }

    /// Records `new` if the stored record is still `expected` (`nil`: none
    /// yet), in one statement; `false` when another request won.
    public func advance(origin: String, from expected: Latest?, to new: Latest) async throws -> Bool {
        try await pool.write { db in
            if let expected {
                try db.execute(
                    sql: "UPDATE witnessed_logs SET size = ?, root = ?, checkpoint = ? WHERE origin = ? AND size = ? AND root = ?",
                    arguments: [new.size, new.root, new.checkpoint, origin, expected.size, expected.root])
            } else {
                try db.execute(
                    sql: "INSERT INTO witnessed_logs (origin, size, root, checkpoint) VALUES (?, ?, ?, ?) ON CONFLICT (origin) DO NOTHING",
                    arguments: [origin, new.size, new.root, new.checkpoint])
            }
            return db.changesCount == 1
        }
    }

    public func close() throws {
        try pool.close()
    }
}
