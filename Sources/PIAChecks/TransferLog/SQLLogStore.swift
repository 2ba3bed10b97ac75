import Foundation

/// The column types a shared read decodes (PostgreSQL needs them up front).
enum SQLColumn: Sendable {
    case integer, text, blob, optionalBlob
}

/// What the two SQL stores have in common below the `TransferLogStore`
/// API: run a statement from `LogSQL`, read back plain values. The indexed
/// reads are written once here on top of it.
protocol SQLLogStore: TransferLogStore {
    var sql: LogSQL { get }
    func fetch(_ statement: SQLStatement, _ columns: [SQLColumn]) async throws -> [[SQLValue]]
    func execute(_ statement: SQLStatement) async throws
}

extension SQLValue {
    var int: Int {
        if case .integer(let value) = self { return Int(value) }
        return 0
    }

    var string: String {
        if case .text(let value) = self { return value }
        return ""
    }

    var data: Data? {
        if case .blob(let value) = self { return value }
        return nil
    }
}

extension SQLLogStore {
    static var entryColumns: [SQLColumn] { [.integer, .integer, .text, .text, .text, .optionalBlob, .blob, .blob] }

    static func record(_ row: [SQLValue]) -> StoredRecord {
        StoredRecord(
            seq: row[0].int, timeMillis: Int64(row[1].int), recipient: row[2].string, purpose: row[3].string,
            decision: row[4].string, body: row[5].data, leafHash: row[6].data ?? Data(), treeRoot: row[7].data ?? Data())
    }

    func queryTreeHeads(from size: Int, latestOnly: Bool) async throws -> [StoredTreeHead] {
        try await fetch(sql.treeHeads(from: size, latestOnly: latestOnly), [.integer, .text]).map {
            StoredTreeHead(size: $0[0].int, note: $0[1].string)
        }
    }

    func queryTreeHead(size: Int) async throws -> StoredTreeHead? {
        try await fetch(sql.treeHead(size: size), [.integer, .text]).first.map { StoredTreeHead(size: $0[0].int, note: $0[1].string) }
    }

    func queryTiles(_ ids: Set<TileID>) async throws -> [TileID: Data] {
        guard !ids.isEmpty else { return [:] }
        var tiles: [TileID: Data] = [:]
        for row in try await fetch(sql.tiles(ids), [.integer, .integer, .blob]) {
            tiles[TileID(level: row[0].int, index: row[1].int)] = row[2].data
        }
        return tiles
    }

    func querySearch(_ filter: LogFilter, page: Page, newestFirst: Bool) async throws -> [StoredRecord] {
        try await fetch(sql.search(filter, page: page, newestFirst: newestFirst), Self.entryColumns).map(Self.record)
    }

    func queryCount(_ filter: LogFilter) async throws -> Int {
        try await fetch(sql.count(filter), [.integer]).first?.first?.int ?? 0
    }

    func queryTimeBounds(_ filter: LogFilter) async throws -> ClosedRange<Int64>? {
        let bounds = sql.timeBounds(filter)
        guard let first = try await fetch(bounds[0], [.integer]).first?.first?.int,
            let last = try await fetch(bounds[1], [.integer]).first?.first?.int
        else { return nil }
        return Int64(first)...Int64(max(first, last))
    }

    func queryTallies(purpose: String?, hours: Range<Int>?) async throws -> LogTallies {
        let statements = sql.tallies(purpose: purpose, hours: hours)
        let columns: [SQLColumn] = [.integer, .text, .text, .text, .integer]
        return LogTallies(
            entries: try await fetch(statements.entries, columns).map {
                HourlyTally(hour: $0[0].int, recipient: $0[1].string, purpose: $0[2].string, decision: $0[3].string, entries: $0[4].int)
            },
            refusals: try await fetch(statements.refusals, columns).map {
                HourlyRefusalTally(hour: $0[0].int, recipient: $0[1].string, purpose: $0[2].string, check: $0[3].string, entries: $0[4].int)
            },
            releases: try await fetch(statements.releases, [.integer, .text, .text, .text, .integer]).map {
                HourlyReleaseTally(hour: $0[0].int, purpose: $0[1].string, attribute: $0[2].string, transforms: $0[3].string, entries: $0[4].int)
            })
    }

    func queryTransferCounts(recipient: String, hours: ClosedRange<Int>) async throws -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for row in try await fetch(sql.transferCounts(recipient: recipient, hours: hours), [.integer, .integer]) {
            counts[row[0].int] = row[1].int
        }
        return counts
    }

    /// A stored state that does not even parse is treated as absent:
    /// verification then starts from the first entry.
    func queryVerifiedState(verifier: String) async throws -> VerifiedState? {
        guard let row = try await fetch(sql.verifiedState(verifier), [.integer, .text, .blob]).first,
            let range = try? CompactRange(size: row[0].int, serialized: row[2].data ?? Data())
        else { return nil }
        return VerifiedState(note: row[1].string, range: range)
    }

    func storeVerifiedState(_ state: VerifiedState, verifier: String) async throws {
        try await execute(sql.saveVerifiedState(verifier, state))
    }
}
