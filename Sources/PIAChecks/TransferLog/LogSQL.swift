import Foundation

/// A bound SQL value.
enum SQLValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case blob(Data)
    case null
}

/// One statement with its values, in the store's placeholder style.
struct SQLStatement: Sendable {
    var sql: String
    var values: [SQLValue]
}

/// The SQL both stores share for the tables derived from entries (hash
/// tiles, tallies, failed-check index, verified state) and for indexed
/// reads, written once so SQLite and PostgreSQL cannot answer differently.
struct LogSQL: Sendable {
    enum Dialect: Sendable { case sqlite, postgres }

    let dialect: Dialect
    /// `""` for SQLite, `"schema".` for PostgreSQL.
    let prefix: String

    func table(_ name: String) -> String { prefix + name }

    private func placeholder(_ n: Int) -> String { dialect == .sqlite ? "?" : "$\(n)" }

    private var integer: String { dialect == .sqlite ? "INTEGER" : "BIGINT" }
    private var blob: String { dialect == .sqlite ? "BLOB" : "BYTEA" }
    private var withoutRowID: String { dialect == .sqlite ? " WITHOUT ROWID" : "" }

    /// Tables and indexes added for tiles, tallies and incremental verification.
    var schema: [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS \(table("log_tiles")) (
                level \(integer) NOT NULL, idx \(integer) NOT NULL, hashes \(blob) NOT NULL,
                PRIMARY KEY (level, idx))\(withoutRowID)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(table("log_failed_checks")) (
                check_id TEXT NOT NULL, seq \(integer) NOT NULL, PRIMARY KEY (check_id, seq))\(withoutRowID)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(table("log_hourly")) (
                recipient TEXT NOT NULL, hour \(integer) NOT NULL, purpose TEXT NOT NULL, decision TEXT NOT NULL,
                entries \(integer) NOT NULL, PRIMARY KEY (recipient, hour, purpose, decision))\(withoutRowID)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(table("log_hourly_refusals")) (
                recipient TEXT NOT NULL, hour \(integer) NOT NULL, purpose TEXT NOT NULL, check_id TEXT NOT NULL,
                entries \(integer) NOT NULL, PRIMARY KEY (recipient, hour, purpose, check_id))\(withoutRowID)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(table("log_hourly_releases")) (
                purpose TEXT NOT NULL, hour \(integer) NOT NULL, attribute TEXT NOT NULL, transforms TEXT NOT NULL,
                entries \(integer) NOT NULL, PRIMARY KEY (purpose, hour, attribute, transforms))\(withoutRowID)
            """,
            """
            CREATE TABLE IF NOT EXISTS \(table("log_keys")) (
                kind TEXT NOT NULL, value TEXT NOT NULL, seq \(integer) NOT NULL, PRIMARY KEY (kind, value, seq))\(withoutRowID)
            """,
            "CREATE TABLE IF NOT EXISTS \(table("log_derived")) (id INT PRIMARY KEY CHECK (id = 1), size \(integer) NOT NULL)",
            """
            CREATE TABLE IF NOT EXISTS \(table("log_verified")) (
                verifier TEXT PRIMARY KEY, size \(integer) NOT NULL, note TEXT NOT NULL, frontier \(blob) NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS log_entries_time ON \(table("log_entries")) (time_ms)",
            "CREATE INDEX IF NOT EXISTS log_entries_recipient_seq ON \(table("log_entries")) (recipient, seq)",
            "CREATE INDEX IF NOT EXISTS log_entries_purpose_seq ON \(table("log_entries")) (purpose, seq)",
        ]
    }

    // MARK: Writing

    /// Upserts adding `derived`'s tallies and inserting its failed checks.
    func inserts(_ derived: DerivedRows) -> [SQLStatement] {
        var statements: [SQLStatement] = []
        func upsert(_ name: String, columns: [String], keyCount: Int, rows: [[SQLValue]]) {
            guard !rows.isEmpty else { return }
            var values: [SQLValue] = []
            let tuples = rows.map { row in
                "("
                    + row.map { value in
                        values.append(value)
                        return placeholder(values.count)
                    }.joined(separator: ", ") + ")"
            }
            let key = columns.prefix(keyCount).joined(separator: ", ")
            let conflict =
                columns.count > keyCount
                ? "DO UPDATE SET entries = t.entries + excluded.entries" : "DO NOTHING"
            statements.append(
                SQLStatement(
                    sql:
                        "INSERT INTO \(table(name)) AS t (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", ")) ON CONFLICT (\(key)) \(conflict)",
                    values: values))
        }
        upsert(
            "log_hourly", columns: ["recipient", "hour", "purpose", "decision", "entries"], keyCount: 4,
            rows: derived.tallies.entries.map {
                [.text($0.recipient), .integer(Int64($0.hour)), .text($0.purpose), .text($0.decision), .integer(Int64($0.entries))]
            })
        upsert(
            "log_hourly_refusals", columns: ["recipient", "hour", "purpose", "check_id", "entries"], keyCount: 4,
            rows: derived.tallies.refusals.map {
                [.text($0.recipient), .integer(Int64($0.hour)), .text($0.purpose), .text($0.check), .integer(Int64($0.entries))]
            })
        upsert(
            "log_hourly_releases", columns: ["purpose", "hour", "attribute", "transforms", "entries"], keyCount: 4,
            rows: derived.tallies.releases.map {
                [.text($0.purpose), .integer(Int64($0.hour)), .text($0.attribute), .text($0.transforms), .integer(Int64($0.entries))]
            })
        // Failed checks are new rows; a duplicate means the index is damaged,
        // so plain INSERT (no conflict clause) fails the append.
        if !derived.failedChecks.isEmpty {
            var values: [SQLValue] = []
            let tuples = derived.failedChecks.map { row -> String in
                values.append(.text(row.check))
                values.append(.integer(Int64(row.seq)))
                return "(\(placeholder(values.count - 1)), \(placeholder(values.count)))"
            }
            statements.append(
                SQLStatement(
                    sql: "INSERT INTO \(table("log_failed_checks")) (check_id, seq) VALUES \(tuples.joined(separator: ", "))",
                    values: values))
        }
        statements += keyInserts(derived.keys)
        return statements
    }

    /// Inserts key index rows, 1000 a statement (bound values stay under
    /// both databases' limits). Idempotent: refilling the derived tables
    /// of an older log may meet rows already there.
    func keyInserts(_ keys: [LogKey]) -> [SQLStatement] {
        stride(from: 0, to: keys.count, by: 1000).map { start in
            var values: [SQLValue] = []
            let tuples = keys[start..<min(keys.count, start + 1000)].map { key -> String in
                values += [.text(key.kind.rawValue), .text(key.value), .integer(Int64(key.seq))]
                return "(\(placeholder(values.count - 2)), \(placeholder(values.count - 1)), \(placeholder(values.count)))"
            }
            return SQLStatement(
                sql: "INSERT INTO \(table("log_keys")) (kind, value, seq) VALUES \(tuples.joined(separator: ", ")) ON CONFLICT DO NOTHING",
                values: values)
        }
    }

    /// Whether the key index needs filling: empty while some entry still has a body.
    var keyIndexProbes: (index: String, bodies: String) {
        ("SELECT seq FROM \(table("log_keys")) LIMIT 1", "SELECT seq FROM \(table("log_entries")) WHERE body IS NOT NULL LIMIT 1")
    }

    func readTile(_ tile: TileID) -> SQLStatement {
        SQLStatement(
            sql: "SELECT hashes FROM \(table("log_tiles")) WHERE level = \(placeholder(1)) AND idx = \(placeholder(2))",
            values: [.integer(Int64(tile.level)), .integer(Int64(tile.index))])
    }

    /// Writes a tile's new hashes after the `stored` ones (already checked
    /// to be exactly `offset` hashes long).
    func writeTile(_ append: TileAppend, stored: Data?) -> SQLStatement {
        let level = SQLValue.integer(Int64(append.tile.level))
        let index = SQLValue.integer(Int64(append.tile.index))
        guard let stored else {
            return SQLStatement(
                sql: "INSERT INTO \(table("log_tiles")) (level, idx, hashes) VALUES (\(placeholder(1)), \(placeholder(2)), \(placeholder(3)))",
                values: [level, index, .blob(append.hashes)])
        }
        return SQLStatement(
            sql: "UPDATE \(table("log_tiles")) SET hashes = \(placeholder(1)) WHERE level = \(placeholder(2)) AND idx = \(placeholder(3))",
            values: [.blob(stored + append.hashes), level, index])
    }

    /// The stored prefix a tile append continues; throws when the tile does
    /// not hold exactly the hashes before it.
    static func checkTile(_ append: TileAppend, stored: Data?) throws -> Data? {
        let held = (stored?.count ?? 0) / 32
        guard held == append.offset, (stored?.count ?? 0) % 32 == 0, append.offset > 0 || stored == nil else {
            throw TransferLogError.corrupt(
                "hash tile \(HashTiles.path(append.tile, width: nil)) holds \(held) hashes where \(append.offset) were expected")
        }
        return stored
    }

    func setDerivedSize(_ size: Int) -> SQLStatement {
        SQLStatement(
            sql: "UPDATE \(table("log_derived")) SET size = \(placeholder(1)) WHERE id = 1",
            values: [.integer(Int64(size))])
    }

    var derivedSize: String { "SELECT size FROM \(table("log_derived")) WHERE id = 1" }

    var initialiseDerived: String {
        dialect == .sqlite
            ? "INSERT OR IGNORE INTO log_derived (id, size) VALUES (1, 0)"
            : "INSERT INTO \(table("log_derived")) (id, size) VALUES (1, 0) ON CONFLICT DO NOTHING"
    }

    // MARK: Reading

    func tiles(_ ids: Set<TileID>) -> SQLStatement {
        var values: [SQLValue] = []
        let conditions = ids.sorted().map { id -> String in
            values.append(.integer(Int64(id.level)))
            values.append(.integer(Int64(id.index)))
            return "(level = \(placeholder(values.count - 1)) AND idx = \(placeholder(values.count)))"
        }
        return SQLStatement(
            sql: "SELECT level, idx, hashes FROM \(table("log_tiles")) WHERE \(conditions.isEmpty ? "1 = 0" : conditions.joined(separator: " OR "))",
            values: values)
    }

    /// `WHERE` conditions for a filter; every field is a column or the
    /// failed-check index, so SQL does the matching.
    ///
    /// `byTime` steers SQLite (which keeps no statistics here) to the time
    /// index: a unary `+` keeps it from using the recipient or purpose index
    /// and then sorting every match by time.
    private func conditions(_ filter: LogFilter, _ values: inout [SQLValue], byTime: Bool = false) -> String {
        var clauses: [String] = []
        func bind(_ value: SQLValue) -> String {
            values.append(value)
            return placeholder(values.count)
        }
        let unindexed = byTime && dialect == .sqlite ? "+" : ""
        if let recipient = filter.recipient { clauses.append("\(unindexed)recipient = \(bind(.text(recipient)))") }
        if let purpose = filter.purpose { clauses.append("\(unindexed)purpose = \(bind(.text(purpose)))") }
        if let decision = filter.decision { clauses.append("decision = \(bind(.text(decision.rawValue)))") }
        if let from = filter.from { clauses.append("time_ms >= \(bind(.integer(Self.millis(from))))") }
        if let until = filter.until { clauses.append("time_ms < \(bind(.integer(Self.millis(until))))") }
        if let check = filter.failedCheck {
            clauses.append("seq IN (SELECT seq FROM \(table("log_failed_checks")) WHERE check_id = \(bind(.text(check))))")
        }
        for (kind, value) in [(LogKey.Kind.subject, filter.subjectDigest), (.assertion, filter.assertionID)] {
            guard let value else { continue }
            clauses.append("seq IN (SELECT seq FROM \(table("log_keys")) WHERE kind = '\(kind.rawValue)' AND value = \(bind(.text(value))))")
        }
        return clauses.isEmpty ? "1 = 1" : clauses.joined(separator: " AND ")
    }

    /// The matching sequence numbers as a query: driven by the failed-check
    /// index when the filter names a check (a reverse range scan of its
    /// primary key), otherwise by the entries' own indexes.
    private func matchingSeqs(_ filter: LogFilter, _ values: inout [SQLValue]) -> (sql: String, seq: String) {
        guard let check = filter.failedCheck else {
            return ("SELECT seq FROM \(table("log_entries")) WHERE \(conditions(filter, &values))", "seq")
        }
        var rest = filter
        rest.failedCheck = nil
        values.append(.text(check))
        let checkCondition = "f.check_id = \(placeholder(values.count))"
        guard rest != LogFilter() else {
            return ("SELECT f.seq FROM \(table("log_failed_checks")) f WHERE \(checkCondition)", "f.seq")
        }
        return (
            "SELECT f.seq FROM \(table("log_failed_checks")) f JOIN \(table("log_entries")) e ON e.seq = f.seq WHERE \(checkCondition) AND \(conditions(rest, &values))",
            "f.seq"
        )
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// One page of rows: the page's sequence numbers are chosen first (an
    /// index scan, sorting integers at most), then only those rows are read.
    ///
    /// A window in time read newest first is ordered by time, ties by
    /// sequence: a time index then yields the page directly, where ordering
    /// by sequence alone makes the database either sort the whole window or
    /// walk back through every later entry (half a second for one day of a
    /// million-entry log on PostgreSQL). Entries from several instances can
    /// reach the log a few milliseconds out of time order; the page shows
    /// them in time order, and paging stays exact.
    func search(_ filter: LogFilter, page: Page, newestFirst: Bool) -> SQLStatement {
        var values: [SQLValue] = []
        let byTime = newestFirst && filter.failedCheck == nil && (filter.from != nil || filter.until != nil)
        let order = newestFirst ? "DESC" : "ASC"
        let (matching, seq) = matchingSeqs(filter, &values)
        let ordering = byTime ? "time_ms DESC, seq DESC" : "\(seq) \(order)"
        let limit = bindLimit(page.limit, &values)
        let offset = bindLimit(page.offset, &values)
        return SQLStatement(
            sql: """
                SELECT seq, time_ms, recipient, purpose, decision, body, leaf_hash, tree_root FROM \(table("log_entries"))
                WHERE seq IN (\(matching) ORDER BY \(ordering) LIMIT \(limit) OFFSET \(offset))
                ORDER BY \(byTime ? ordering : "seq \(order)")
                """,
            values: values)
    }

    private func bindLimit(_ value: Int, _ values: inout [SQLValue]) -> String {
        values.append(.integer(Int64(min(value, Int(Int64.max)))))
        return placeholder(values.count)
    }

    func count(_ filter: LogFilter) -> SQLStatement {
        var values: [SQLValue] = []
        let (matching, _) = matchingSeqs(filter, &values)
        return SQLStatement(sql: "SELECT COUNT(*) FROM (\(matching)) AS matching", values: values)
    }

    /// First and last entry time matching a filter, from the time index.
    func timeBounds(_ filter: LogFilter) -> [SQLStatement] {
        ["ASC", "DESC"].map { order in
            var values: [SQLValue] = []
            let condition = conditions(filter, &values, byTime: true)
            return SQLStatement(
                sql: "SELECT time_ms FROM \(table("log_entries")) WHERE \(condition) ORDER BY time_ms \(order) LIMIT 1",
                values: values)
        }
    }

    /// The three tally reads for a purpose (or all) and an hour range.
    func tallies(purpose: String?, hours: Range<Int>?) -> (entries: SQLStatement, refusals: SQLStatement, releases: SQLStatement) {
        func statement(_ columns: String, _ name: String) -> SQLStatement {
            var values: [SQLValue] = []
            var clauses: [String] = []
            if let purpose {
                values.append(.text(purpose))
                clauses.append("purpose = \(placeholder(values.count))")
            }
            if let hours {
                values.append(.integer(Int64(hours.lowerBound)))
                clauses.append("hour >= \(placeholder(values.count))")
                values.append(.integer(Int64(hours.upperBound)))
                clauses.append("hour < \(placeholder(values.count))")
            }
            let condition = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            return SQLStatement(sql: "SELECT \(columns), entries FROM \(table(name))\(condition)", values: values)
        }
        return (
            statement("hour, recipient, purpose, decision", "log_hourly"),
            statement("hour, recipient, purpose, check_id", "log_hourly_refusals"),
            statement("hour, purpose, attribute, transforms", "log_hourly_releases")
        )
    }

    func transferCounts(recipient: String, hours: ClosedRange<Int>) -> SQLStatement {
        SQLStatement(
            sql: """
                SELECT hour, CAST(SUM(entries) AS BIGINT) FROM \(table("log_hourly"))
                WHERE recipient = \(placeholder(1)) AND hour >= \(placeholder(2)) AND hour <= \(placeholder(3)) AND decision = 'transfer'
                GROUP BY hour
                """,
            values: [.text(recipient), .integer(Int64(hours.lowerBound)), .integer(Int64(hours.upperBound))])
    }

    func treeHeads(from size: Int, latestOnly: Bool) -> SQLStatement {
        SQLStatement(
            sql:
                "SELECT size, note FROM \(table("log_tree_heads")) WHERE size >= \(placeholder(1)) ORDER BY size \(latestOnly ? "DESC LIMIT 1" : "ASC")",
            values: [.integer(Int64(size))])
    }

    func treeHead(size: Int) -> SQLStatement {
        SQLStatement(
            sql: "SELECT size, note FROM \(table("log_tree_heads")) WHERE size = \(placeholder(1))", values: [.integer(Int64(size))])
    }

    func verifiedState(_ verifier: String) -> SQLStatement {
        SQLStatement(
            sql: "SELECT size, note, frontier FROM \(table("log_verified")) WHERE verifier = \(placeholder(1))",
            values: [.text(verifier)])
    }

    func saveVerifiedState(_ verifier: String, _ state: VerifiedState) -> SQLStatement {
        SQLStatement(
            sql: """
                INSERT INTO \(table("log_verified")) AS t (verifier, size, note, frontier)
                VALUES (\(placeholder(1)), \(placeholder(2)), \(placeholder(3)), \(placeholder(4)))
                ON CONFLICT (verifier) DO UPDATE SET size = excluded.size, note = excluded.note, frontier = excluded.frontier
                """,
            values: [.text(verifier), .integer(Int64(state.range.size)), .text(state.note), .blob(state.range.serialized)])
    }
}
