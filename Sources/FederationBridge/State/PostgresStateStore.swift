import Foundation
import Logging
import PIAChecks
import PostgresNIO
import ServiceLifecycle

/// `StateStore` in PostgreSQL, shared by any number of bridge instances.
///
/// The client's connection pool must be running: add the store to the
/// application's services (it is a `Service`) or call `run()` in a task
/// for as long as the store is used.
public struct PostgresStateStore: StateStore, Service {
    private let client: PostgresClient
    private let settings: PostgresConnectionSettings
    private let logger: Logger

    public init(settings: PostgresConnectionSettings, logger: Logger) throws {
        self.client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: logger)
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        await client.run()
    }

    private var flowTable: String { settings.schema.qualified("flow_state") }
    private var replayTable: String { settings.schema.qualified("replay_cache") }
    private var artifactTable: String { settings.schema.qualified("artifact") }
    private var signInFailureTable: String { settings.schema.qualified("sign_in_failure") }
    private var failureTable: String { settings.schema.qualified("failure_record") }
    private var idpSessionTable: String { settings.schema.qualified("idp_session") }

    /// Checks the server on one connection of its own first, so that a
    /// refused TLS handshake or login fails the start with its reason
    /// (`PostgresConnectError`) instead of the pool retrying in silence.
    public func prepare() async throws {
        try await settings.checkConnection(logger: logger)
        try await client.withConnection { connection in
            try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: settings.schema.quoted)", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: flowTable) (
                    id TEXT PRIMARY KEY, sealed BYTEA NOT NULL, expires_at BIGINT NOT NULL)
                """, logger: logger)
            // Stores made before flow steps were guarded by phase get the column.
            try await connection.query(
                "ALTER TABLE \(unescaped: flowTable) ADD COLUMN IF NOT EXISTS phase TEXT NOT NULL DEFAULT ''", logger: logger)
            // Session pointers name their flow beside the sealed pointer.
            try await connection.query("ALTER TABLE \(unescaped: flowTable) ADD COLUMN IF NOT EXISTS ref TEXT", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: replayTable) (
                    id TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)
                """, logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: artifactTable) (
                    handle TEXT PRIMARY KEY, payload BYTEA NOT NULL, expires_at BIGINT NOT NULL)
                """, logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: signInFailureTable) (
                    key TEXT PRIMARY KEY, failures BIGINT NOT NULL, window_ends BIGINT NOT NULL, locked_until BIGINT NOT NULL)
                """, logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: failureTable) (
                    reference TEXT NOT NULL, flow_reference TEXT, time BIGINT NOT NULL, code TEXT NOT NULL,
                    kind TEXT NOT NULL, partner TEXT, expires_at BIGINT NOT NULL)
                """, logger: logger)
            for (name, column) in [("reference", "reference"), ("flow", "flow_reference"), ("expiry", "expires_at")] {
                try await connection.query(
                    "CREATE INDEX IF NOT EXISTS \(unescaped: "failure_record_\(name)") ON \(unescaped: failureTable) (\(unescaped: column))",
                    logger: logger)
            }
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: idpSessionTable) (
                    session_key TEXT NOT NULL, relying_party TEXT NOT NULL, name_id TEXT NOT NULL,
                    session_index TEXT NOT NULL UNIQUE, expires_at BIGINT NOT NULL, PRIMARY KEY (session_key, relying_party))
                """, logger: logger)
        }
    }

    /// Reachable is not enough: a server in read-only mode (a standby, or
    /// `default_transaction_read_only` set for a full disk) answers reads
    /// but refuses every step, so readiness asks whether writes would work.
    public func ping() async throws {
        let rows = try await client.query("SELECT current_setting('transaction_read_only')", logger: logger)
        for try await readOnly in rows.decode(String.self) where readOnly == "on" {
            throw StateStoreError.readOnly
        }
    }

    /// Session encryption as the server reports it, for one pooled connection.
    public func sessionSecurity() async throws -> PostgresSessionSecurity {
        try await PostgresSessionSecurity.read(from: client, logger: logger)
    }

    public func putFlow(id: String, sealed: Data, phase: String, expiresAt: Date) async throws {
        try await upsert(id: id, sealed: sealed, phase: phase, ref: nil, expiresAt: expiresAt)
    }

    public func putPointer(id: String, sealed: Data, flowID: String, expiresAt: Date) async throws {
        try await upsert(id: id, sealed: sealed, phase: "", ref: flowID, expiresAt: expiresAt)
    }

    /// One statement for flows (no `ref`) and session pointers (their flow's ID).
    private func upsert(id: String, sealed: Data, phase: String, ref: String?, expiresAt: Date) async throws {
        try await client.query(
            """
            INSERT INTO \(unescaped: flowTable) (id, sealed, phase, ref, expires_at)
            VALUES (\(id), \(sealed), \(phase), \(ref), \(expiresAt.storeMilliseconds))
            ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, phase = excluded.phase, ref = excluded.ref, expires_at = excluded.expires_at
            """, logger: logger)
    }

    public func pointerAndFlow(id: String, now: Date) async throws -> StoredPointer? {
        let rows = try await client.query(
            """
            SELECT p.sealed, p.ref, f.sealed FROM \(unescaped: flowTable) p
            LEFT JOIN \(unescaped: flowTable) f ON f.id = p.ref AND f.expires_at > \(now.storeMilliseconds)
            WHERE p.id = \(id) AND p.expires_at > \(now.storeMilliseconds)
            """, logger: logger)
        for try await (sealed, flowID, flow) in rows.decode((Data, String?, Data?).self) {
            return StoredPointer(sealed: sealed, flowID: flowID, flow: flow)
        }
        return nil
    }

    public func advanceFlow(id: String, from: String, to: String, sealed: Data?, now: Date) async throws -> Bool {
        let rows = try await client.query(
            """
            UPDATE \(unescaped: flowTable) SET phase = \(to), sealed = coalesce(\(sealed), sealed)
            WHERE id = \(id) AND phase = \(from) AND expires_at > \(now.storeMilliseconds)
            RETURNING id
            """, logger: logger)
        var advanced = false
        for try await _ in rows.decode(String.self) { advanced = true }
        return advanced
    }

    public func flow(id: String, now: Date) async throws -> Data? {
        let rows = try await client.query(
            """
            SELECT sealed FROM \(unescaped: flowTable) WHERE id = \(id) AND expires_at > \(now.storeMilliseconds)
            """, logger: logger)
        for try await sealed in rows.decode(Data.self) { return sealed }
        return nil
    }

    public func deleteFlow(id: String) async throws {
        try await client.query("DELETE FROM \(unescaped: flowTable) WHERE id = \(id)", logger: logger)
    }

    public func insertIfAbsent(replayID: String, expiresAt: Date, now: Date) async throws -> Bool {
        // One statement: a fresh row, or an expired row taken over; RETURNING
        // yields a row only in those two cases.
        let rows = try await client.query(
            """
            INSERT INTO \(unescaped: replayTable) AS r (id, expires_at) VALUES (\(replayID), \(expiresAt.storeMilliseconds))
            ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE r.expires_at <= \(now.storeMilliseconds)
            RETURNING id
            """, logger: logger)
        var inserted = false
        for try await _ in rows.decode(String.self) { inserted = true }
        return inserted
    }

    public func putArtifact(handle: String, payload: Data, expiresAt: Date) async throws {
        let rows = try await client.query(
            """
            INSERT INTO \(unescaped: artifactTable) (handle, payload, expires_at) VALUES (\(handle), \(payload), \(expiresAt.storeMilliseconds))
            ON CONFLICT (handle) DO NOTHING RETURNING handle
            """, logger: logger)
        var inserted = false
        for try await _ in rows.decode(String.self) { inserted = true }
        if !inserted { throw StateStoreError.duplicateArtifact }
    }

    public func takeArtifact(handle: String, now: Date) async throws -> Data? {
        let rows = try await client.query(
            """
            DELETE FROM \(unescaped: artifactTable) WHERE handle = \(handle) AND expires_at > \(now.storeMilliseconds)
            RETURNING payload
            """, logger: logger)
        var payload: Data?
        for try await value in rows.decode(Data.self) { payload = value }
        return payload
    }

    public func recordFailedSignIn(key: String, now: Date, windowEnds: Date, limit: Int, lockedUntil: Date) async throws -> SignInFailures {
        var binds = PostgresBindings()
        binds.append(key)
        binds.append(now.storeMilliseconds)
        binds.append(windowEnds.storeMilliseconds)
        binds.append(Int64(limit))
        binds.append(lockedUntil.storeMilliseconds)
        let sql = SignInFailureSQL.record(table: signInFailureTable, placeholders: (1...5).map { "$\($0)" })
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await (failures, locked) in rows.decode((Int64, Int64).self) {
            return SignInFailures(failures: Int(failures), lockedUntil: Date(storeMilliseconds: locked))
        }
        throw StateStoreError.cannotOpen(location: "sign_in_failure", reason: "the upsert returned no row")
    }

    public func failedSignIns(key: String, now: Date) async throws -> SignInFailures? {
        let rows = try await client.query(
            """
            SELECT failures, locked_until FROM \(unescaped: signInFailureTable)
            WHERE key = \(key) AND (window_ends > \(now.storeMilliseconds) OR locked_until > \(now.storeMilliseconds))
            """, logger: logger)
        for try await (failures, locked) in rows.decode((Int64, Int64).self) {
            return SignInFailures(failures: Int(failures), lockedUntil: Date(storeMilliseconds: locked))
        }
        return nil
    }

    public func clearFailedSignIns(key: String) async throws {
        try await client.query("DELETE FROM \(unescaped: signInFailureTable) WHERE key = \(key)", logger: logger)
    }

    public func recordFailure(_ record: FailureRecord, expiresAt: Date) async throws {
        try await client.query(
            """
            INSERT INTO \(unescaped: failureTable) (reference, flow_reference, time, code, kind, partner, expires_at)
            VALUES (\(record.reference), \(record.flowReference), \(record.time.storeMilliseconds), \(record.code),
                    \(record.kind.rawValue), \(record.partner), \(expiresAt.storeMilliseconds))
            """, logger: logger)
    }

    public func failures(reference: String, now: Date, limit: Int) async throws -> [FailureRecord] {
        let rows = try await client.query(
            """
            SELECT reference, time, code, kind, partner, flow_reference FROM \(unescaped: failureTable)
            WHERE (reference = \(reference) OR flow_reference = \(reference)) AND expires_at > \(now.storeMilliseconds)
            ORDER BY time DESC LIMIT \(Int64(limit))
            """, logger: logger)
        var found: [FailureRecord] = []
        for try await (reference, time, code, kind, partner, flow) in rows.decode((String, Int64, String, String, String?, String?).self) {
            found.append(
                FailureRecord(
                    reference: reference, time: Date(storeMilliseconds: time), code: code, kind: ResidentErrorKind(rawValue: kind) ?? .internal,
                    partner: partner, flowReference: flow))
        }
        return found
    }

    public func joinIdPSession(key: String, participant: SessionParticipant, expiresAt: Date) async throws {
        try await client.query(
            """
            INSERT INTO \(unescaped: idpSessionTable) (session_key, relying_party, name_id, session_index, expires_at)
            VALUES (\(key), \(participant.relyingParty), \(participant.nameID), \(participant.sessionIndex), \(expiresAt.storeMilliseconds))
            ON CONFLICT (session_key, relying_party) DO UPDATE
            SET name_id = excluded.name_id, session_index = excluded.session_index, expires_at = excluded.expires_at
            """, logger: logger)
    }

    public func idpSession(sessionIndex: String, now: Date) async throws -> (key: String, participant: SessionParticipant)? {
        let rows = try await client.query(
            """
            SELECT session_key, relying_party, name_id, session_index FROM \(unescaped: idpSessionTable)
            WHERE session_index = \(sessionIndex) AND expires_at > \(now.storeMilliseconds)
            """, logger: logger)
        for try await (key, party, nameID, index) in rows.decode((String, String, String, String).self) {
            return (key, SessionParticipant(relyingParty: party, nameID: nameID, sessionIndex: index))
        }
        return nil
    }

    public func endIdPSession(key: String, now: Date) async throws -> [SessionParticipant] {
        let rows = try await client.query(
            """
            DELETE FROM \(unescaped: idpSessionTable) WHERE session_key = \(key)
            RETURNING relying_party, name_id, session_index, expires_at
            """, logger: logger)
        var participants: [SessionParticipant] = []
        for try await (party, nameID, index, expires) in rows.decode((String, String, String, Int64).self)
        where Date(storeMilliseconds: expires) > now {
            participants.append(SessionParticipant(relyingParty: party, nameID: nameID, sessionIndex: index))
        }
        return participants
    }

    public func sweep(now: Date) async throws -> SweepCount {
        let cutoff = now.storeMilliseconds
        func delete(_ table: String) async throws -> Int {
            let rows = try await client.query(
                "WITH gone AS (DELETE FROM \(unescaped: table) WHERE expires_at <= \(cutoff) RETURNING 1) SELECT count(*) FROM gone",
                logger: logger)
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
        let failures = try await client.query(
            "WITH gone AS (DELETE FROM \(unescaped: signInFailureTable) WHERE window_ends <= \(cutoff) AND locked_until <= \(cutoff) RETURNING 1) SELECT count(*) FROM gone",
            logger: logger)
        var signInFailures = 0
        for try await value in failures.decode(Int.self) { signInFailures = value }
        return SweepCount(
            flows: try await delete(flowTable),
            replayEntries: try await delete(replayTable),
            artifacts: try await delete(artifactTable),
            signInFailures: signInFailures,
            failureRecords: try await delete(failureTable),
            idpSessions: try await delete(idpSessionTable))
    }
}
