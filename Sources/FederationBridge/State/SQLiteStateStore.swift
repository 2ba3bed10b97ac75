import Foundation
import GRDB

/// `StateStore` in one SQLite file (WAL), for a single bridge instance and the demo.
///
/// Statements run on every sign-in step are prepared once per connection
/// (`cachedStatement`): parsing SQL was a measurable share of a step. Every
/// operation but the sweep is one statement, which SQLite runs as its own
/// transaction; GRDB's explicit `BEGIN`/`COMMIT` around it would add two
/// statements and change nothing (see `change` and `query`).
public struct SQLiteStateStore: StateStore {
    private let pool: DatabasePool

    /// Opens (creating if needed) the database file and its folder.
    public init(path: URL) throws {
        do {
            try FileManager.default.createDirectory(
                at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            pool = try DatabasePool(path: path.path, configuration: configuration)
        } catch {
            throw StateStoreError.cannotOpen(location: "sqlite:\(path.path)", reason: Self.explain(error, folder: path.deletingLastPathComponent()))
        }
    }

    /// SQLite says only "unable to open database file" when the folder is
    /// on a read-only file system; the operator needs to know which it is.
    private static func explain(_ error: any Error, folder: URL) -> String {
        guard access(folder.path, W_OK) != 0, errno == EROFS else { return "\(error)" }
        return "the file system holding \(folder.path) is read-only (\(error))"
    }

    public func prepare() async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS flow_state (
                        id TEXT PRIMARY KEY, sealed BLOB NOT NULL, expires_at INTEGER NOT NULL);
                    CREATE INDEX IF NOT EXISTS flow_state_expiry ON flow_state(expires_at);
                    CREATE TABLE IF NOT EXISTS replay_cache (
                        id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
                    CREATE INDEX IF NOT EXISTS replay_cache_expiry ON replay_cache(expires_at);
                    CREATE TABLE IF NOT EXISTS artifact (
                        handle TEXT PRIMARY KEY, payload BLOB NOT NULL, expires_at INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS sign_in_failure (
                        key TEXT PRIMARY KEY, failures INTEGER NOT NULL, window_ends INTEGER NOT NULL, locked_until INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS failure_record (
                        reference TEXT NOT NULL, flow_reference TEXT, time INTEGER NOT NULL, code TEXT NOT NULL,
                        kind TEXT NOT NULL, partner TEXT, expires_at INTEGER NOT NULL);
                    CREATE INDEX IF NOT EXISTS failure_record_reference ON failure_record(reference);
                    CREATE INDEX IF NOT EXISTS failure_record_flow ON failure_record(flow_reference);
                    CREATE INDEX IF NOT EXISTS failure_record_expiry ON failure_record(expires_at);
                    CREATE TABLE IF NOT EXISTS idp_session (
                        session_key TEXT NOT NULL, relying_party TEXT NOT NULL, name_id TEXT NOT NULL,
                        session_index TEXT NOT NULL UNIQUE, expires_at INTEGER NOT NULL, PRIMARY KEY (session_key, relying_party));
                    CREATE INDEX IF NOT EXISTS idp_session_expiry ON idp_session(expires_at);
                    """)
            // Stores made before flow steps were guarded by phase get the column.
            let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('flow_state')")
            if !columns.contains("phase") {
                try db.execute(sql: "ALTER TABLE flow_state ADD COLUMN phase TEXT NOT NULL DEFAULT ''")
            }
            // Session pointers name their flow beside the sealed pointer.
            if !columns.contains("ref") {
                try db.execute(sql: "ALTER TABLE flow_state ADD COLUMN ref TEXT")
            }
        }
    }

    /// One writing statement, atomic and durable on its own.
    private func change<T: Sendable>(_ statement: @Sendable (Database) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction(statement)
    }

    /// One reading statement, on the writer's connection. GRDB's reader
    /// pool would run it concurrently with writes, but takes a semaphore, a
    /// lock, a queue hop and a schema check for it: about 75 µs per read,
    /// more than the lookup itself. Every state operation is one short
    /// statement by key, so one connection serves both, and a read sees
    /// every write before it. The file stays in WAL mode (the pool sets it),
    /// so tools and other processes read it without blocking the bridge.
    private func query<T: Sendable>(_ statement: @Sendable (Database) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction(statement)
    }

    public func ping() async throws {
        _ = try await query { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func putFlow(id: String, sealed: Data, phase: String, expiresAt: Date) async throws {
        try await upsert(id: id, sealed: sealed, phase: phase, ref: nil, expiresAt: expiresAt)
    }

    /// One statement for flows (no `ref`) and session pointers (their flow's ID).
    private func upsert(id: String, sealed: Data, phase: String, ref: String?, expiresAt: Date) async throws {
        try await change { db in
            try db.cachedStatement(
                sql: "INSERT INTO flow_state (id, sealed, phase, ref, expires_at) VALUES (?, ?, ?, ?, ?) "
                    + "ON CONFLICT(id) DO UPDATE SET sealed = excluded.sealed, phase = excluded.phase, ref = excluded.ref, expires_at = excluded.expires_at"
            ).execute(arguments: [id, sealed, phase, ref, expiresAt.storeMilliseconds])
        }
    }

    public func advanceFlow(id: String, from: String, to: String, sealed: Data?, now: Date) async throws -> Bool {
        try await change { db in
            try db.cachedStatement(sql: "UPDATE flow_state SET phase = ?, sealed = coalesce(?, sealed) WHERE id = ? AND phase = ? AND expires_at > ?")
                .execute(arguments: [to, sealed, id, from, now.storeMilliseconds])
            return db.changesCount == 1
        }
    }

    public func flow(id: String, now: Date) async throws -> Data? {
        try await query { db in
            try Data.fetchOne(
                db.cachedStatement(sql: "SELECT sealed FROM flow_state WHERE id = ? AND expires_at > ?"), arguments: [id, now.storeMilliseconds])
        }
    }

    public func putPointer(id: String, sealed: Data, flowID: String, expiresAt: Date) async throws {
        try await upsert(id: id, sealed: sealed, phase: "", ref: flowID, expiresAt: expiresAt)
    }

    public func pointerAndFlow(id: String, now: Date) async throws -> StoredPointer? {
        try await query { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT p.sealed, p.ref, f.sealed FROM flow_state p LEFT JOIN flow_state f ON f.id = p.ref AND f.expires_at > ?2 "
                        + "WHERE p.id = ?1 AND p.expires_at > ?2"), arguments: [id, now.storeMilliseconds]
            ).map { StoredPointer(sealed: $0[0], flowID: $0[1], flow: $0[2]) }
        }
    }

    public func deleteFlow(id: String) async throws {
        try await change { db in
            try db.cachedStatement(sql: "DELETE FROM flow_state WHERE id = ?").execute(arguments: [id])
        }
    }

    public func insertIfAbsent(replayID: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await change { db in
            // One statement: a fresh row, or an expired row taken over; a live row is left alone.
            try db.cachedStatement(
                sql: "INSERT INTO replay_cache (id, expires_at) VALUES (?, ?) "
                    + "ON CONFLICT(id) DO UPDATE SET expires_at = excluded.expires_at "
                    + "WHERE replay_cache.expires_at <= ?"
            ).execute(arguments: [replayID, expiresAt.storeMilliseconds, now.storeMilliseconds])
            return db.changesCount == 1
        }
    }

    public func putArtifact(handle: String, payload: Data, expiresAt: Date) async throws {
        try await change { db in
            try db.cachedStatement(sql: "INSERT INTO artifact (handle, payload, expires_at) VALUES (?, ?, ?) ON CONFLICT(handle) DO NOTHING").execute(
                arguments: [handle, payload, expiresAt.storeMilliseconds])
            if db.changesCount == 0 { throw StateStoreError.duplicateArtifact }
        }
    }

    public func takeArtifact(handle: String, now: Date) async throws -> Data? {
        try await change { db in
            try Data.fetchOne(
                db.cachedStatement(sql: "DELETE FROM artifact WHERE handle = ? AND expires_at > ? RETURNING payload"),
                arguments: [handle, now.storeMilliseconds])
        }
    }

    public func recordFailedSignIn(key: String, now: Date, windowEnds: Date, limit: Int, lockedUntil: Date) async throws -> SignInFailures {
        try await change { db in
            let row = try Row.fetchOne(
                db.cachedStatement(sql: SignInFailureSQL.record(table: "sign_in_failure", placeholders: (1...5).map { "?\($0)" })),
                arguments: [key, now.storeMilliseconds, windowEnds.storeMilliseconds, limit, lockedUntil.storeMilliseconds])
            guard let row else { throw StateStoreError.cannotOpen(location: "sign_in_failure", reason: "the upsert returned no row") }
            return SignInFailures(failures: row[0], lockedUntil: Date(storeMilliseconds: row[1]))
        }
    }

    public func failedSignIns(key: String, now: Date) async throws -> SignInFailures? {
        try await query { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT failures, locked_until FROM sign_in_failure WHERE key = ? AND (window_ends > ? OR locked_until > ?)"),
                arguments: [key, now.storeMilliseconds, now.storeMilliseconds]
            ).map { SignInFailures(failures: $0[0], lockedUntil: Date(storeMilliseconds: $0[1])) }
        }
    }

    public func clearFailedSignIns(key: String) async throws {
        try await change { db in
            try db.cachedStatement(sql: "DELETE FROM sign_in_failure WHERE key = ?").execute(arguments: [key])
        }
    }

    public func recordFailure(_ record: FailureRecord, expiresAt: Date) async throws {
        try await change { db in
            try db.cachedStatement(
                sql: "INSERT INTO failure_record (reference, flow_reference, time, code, kind, partner, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ).execute(arguments: [
                record.reference, record.flowReference, record.time.storeMilliseconds, record.code, record.kind.rawValue, record.partner,
                expiresAt.storeMilliseconds,
            ])
        }
    }

    public func failures(reference: String, now: Date, limit: Int) async throws -> [FailureRecord] {
        try await query { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT reference, time, code, kind, partner, flow_reference FROM failure_record "
                        + "WHERE (reference = ?1 OR flow_reference = ?1) AND expires_at > ?2 ORDER BY time DESC LIMIT ?3"),
                arguments: [reference, now.storeMilliseconds, limit]
            ).map { row in
                FailureRecord(
                    reference: row[0], time: Date(storeMilliseconds: row[1]), code: row[2],
                    kind: ResidentErrorKind(rawValue: row[3]) ?? .internal, partner: row[4], flowReference: row[5])
            }
        }
    }

    public func joinIdPSession(key: String, participant: SessionParticipant, expiresAt: Date) async throws {
        try await change { db in
            try db.cachedStatement(
                sql: "INSERT INTO idp_session (session_key, relying_party, name_id, session_index, expires_at) VALUES (?, ?, ?, ?, ?) "
                    + "ON CONFLICT(session_key, relying_party) DO UPDATE SET name_id = excluded.name_id, "
                    + "session_index = excluded.session_index, expires_at = excluded.expires_at"
            ).execute(arguments: [key, participant.relyingParty, participant.nameID, participant.sessionIndex, expiresAt.storeMilliseconds])
        }
    }

    public func idpSession(sessionIndex: String, now: Date) async throws -> (key: String, participant: SessionParticipant)? {
        try await query { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT session_key, relying_party, name_id, session_index FROM idp_session WHERE session_index = ? AND expires_at > ?"),
                arguments: [sessionIndex, now.storeMilliseconds]
            ).map { ($0[0], SessionParticipant(relyingParty: $0[1], nameID: $0[2], sessionIndex: $0[3])) }
        }
    }

    public func endIdPSession(key: String, now: Date) async throws -> [SessionParticipant] {
        try await change { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "DELETE FROM idp_session WHERE session_key = ? RETURNING relying_party, name_id, session_index, expires_at"),
                arguments: [key]
            ).filter { Date(storeMilliseconds: $0[3]) > now }.map { SessionParticipant(relyingParty: $0[0], nameID: $0[1], sessionIndex: $0[2]) }
        }
    }

    public func sweep(now: Date) async throws -> SweepCount {
        try await pool.write { db in
            let cutoff = now.storeMilliseconds
            var count = SweepCount()
            try db.execute(sql: "DELETE FROM flow_state WHERE expires_at <= ?", arguments: [cutoff])
            count.flows = db.changesCount
            try db.execute(sql: "DELETE FROM replay_cache WHERE expires_at <= ?", arguments: [cutoff])
            count.replayEntries = db.changesCount
            try db.execute(sql: "DELETE FROM artifact WHERE expires_at <= ?", arguments: [cutoff])
            count.artifacts = db.changesCount
            try db.execute(sql: "DELETE FROM sign_in_failure WHERE window_ends <= ? AND locked_until <= ?", arguments: [cutoff, cutoff])
            count.signInFailures = db.changesCount
            try db.execute(sql: "DELETE FROM failure_record WHERE expires_at <= ?", arguments: [cutoff])
            count.failureRecords = db.changesCount
            try db.execute(sql: "DELETE FROM idp_session WHERE expires_at <= ?", arguments: [cutoff])
            count.idpSessions = db.changesCount
            return count
        }
    }
}
