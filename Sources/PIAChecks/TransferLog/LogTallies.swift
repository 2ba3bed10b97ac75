import Foundation

/// Entries per UTC hour, recipient, purpose and decision: kept in the append
/// transaction so the overview, the PIA summary and the volume check read a
/// few rows per hour instead of every entry.
public struct HourlyTally: Sendable, Hashable {
    /// Hours since 1970-01-01T00:00Z.
    public var hour: Int
    public var recipient: String
    public var purpose: String
    public var decision: String
    public var entries: Int

    public init(hour: Int, recipient: String, purpose: String, decision: String, entries: Int) {
        self.hour = hour
        self.recipient = recipient
        self.purpose = purpose
        self.decision = decision
        self.entries = entries
    }
}

/// Refused entries per hour, recipient, purpose and failed check (an entry
/// refused by two checks counts for both).
public struct HourlyRefusalTally: Sendable, Hashable {
    public var hour: Int
    public var recipient: String
    public var purpose: String
    public var check: String
    public var entries: Int

    public init(hour: Int, recipient: String, purpose: String, check: String, entries: Int) {
        self.hour = hour
        self.recipient = recipient
        self.purpose = purpose
        self.check = check
        self.entries = entries
    }
}

/// Attributes released by transfers per hour and purpose; `transforms` is
/// the chain joined by " → ", or "none".
public struct HourlyReleaseTally: Sendable, Hashable {
    public var hour: Int
    public var purpose: String
    public var attribute: String
    public var transforms: String
    public var entries: Int

    public init(hour: Int, purpose: String, attribute: String, transforms: String, entries: Int) {
        self.hour = hour
        self.purpose = purpose
        self.attribute = attribute
        self.transforms = transforms
        self.entries = entries
    }
}

/// The tallies of a period, as one store read returns them.
public struct LogTallies: Sendable, Hashable {
    public var entries: [HourlyTally] = []
    public var refusals: [HourlyRefusalTally] = []
    public var releases: [HourlyReleaseTally] = []

    public init(entries: [HourlyTally] = [], refusals: [HourlyRefusalTally] = [], releases: [HourlyReleaseTally] = []) {
        self.entries = entries
        self.refusals = refusals
        self.releases = releases
    }

    /// Hours since the epoch of a millisecond timestamp (floor).
    public static func hour(ofMillis millis: Int64) -> Int {
        Int((millis - (((millis % 3_600_000) + 3_600_000) % 3_600_000)) / 3_600_000)
    }

    public static func hour(of date: Date) -> Int {
        hour(ofMillis: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    /// Adds the tallies of one entry. A redacted entry (no body) adds to the
    /// entry counts only.
    mutating func add(_ record: StoredRecord, entry: TransferLogEntry?) {
        let hour = Self.hour(ofMillis: record.timeMillis)
        entries.append(
            HourlyTally(
                hour: hour, recipient: record.recipient, purpose: record.purpose, decision: record.decision, entries: 1))
        guard let entry else { return }
        if entry.decision == .refused {
            for check in Set(entry.checks.filter { !$0.passed }.map(\.id)) {
                refusals.append(
                    HourlyRefusalTally(
                        hour: hour, recipient: record.recipient, purpose: record.purpose, check: check, entries: 1))
            }
        } else if entry.decision == .transfer {
            for attribute in entry.attributes {
                releases.append(
                    HourlyReleaseTally(
                        hour: hour, purpose: record.purpose, attribute: attribute.name,
                        transforms: attribute.transforms.isEmpty ? "none" : attribute.transforms.joined(separator: " → "), entries: 1))
            }
        }
    }

    /// Sums rows with the same key, so a batch writes each key once.
    func merged() -> LogTallies {
        func sum<Row: Hashable>(_ rows: [Row], _ count: WritableKeyPath<Row, Int>) -> [Row] {
            var totals: [Row: Int] = [:]
            var order: [Row] = []
            for row in rows {
                var key = row
                key[keyPath: count] = 0
                if totals[key] == nil { order.append(key) }
                totals[key, default: 0] += row[keyPath: count]
            }
            return order.map { key in
                var row = key
                row[keyPath: count] = totals[key] ?? 0
                return row
            }
        }
        return LogTallies(entries: sum(entries, \.entries), refusals: sum(refusals, \.entries), releases: sum(releases, \.entries))
    }
}

/// Everything an append writes besides the entries and the tree head: hash
/// tiles, tallies and the failed-check index. Computed once for both stores.
struct DerivedRows: Sendable {
    var tiles: [TileAppend] = []
    var tallies = LogTallies()
    /// (check id, seq) of every failed check, for the search filter.
    var failedChecks: [(check: String, seq: Int)] = []
    /// Subject digests and assertion IDs by seq, for finding one person's or one flow's entries.
    var keys: [LogKey] = []

    /// Rows for `records` appended to a tree whose right edge was `start`.
    init(records: [StoredRecord], entries: [TransferLogEntry?], start: CompactRange) {
        var range = start
        var byTile: [TileID: TileAppend] = [:]
        for (record, entry) in zip(records, entries) {
            range.append(record.leafHash) { height, index, hash in
                guard height % HashTiles.height == 0 else { return }
                let tile = TileID(level: height / HashTiles.height, index: index / HashTiles.width)
                if byTile[tile] == nil {
                    byTile[tile] = TileAppend(tile: tile, offset: index % HashTiles.width, hashes: Data())
                }
                byTile[tile]?.hashes.append(hash)
            }
            tallies.add(record, entry: entry)
            for check in Set(entry?.checks.filter { !$0.passed }.map(\.id) ?? []).sorted() {
                failedChecks.append((check, record.seq))
            }
            keys += LogKey.keys(of: entry, seq: record.seq)
        }
        tiles = byTile.values.sorted { $0.tile < $1.tile }
        tallies = tallies.merged()
    }
}

/// One row of the key index: an entry's subject digest or assertion ID and
/// its seq. Derived from the entry body, like the failed-check index, so it
/// stores nothing the log does not already hold; a tampered index can only
/// hide entries from a search, never invent them (results carry proofs).
struct LogKey: Sendable, Hashable {
    enum Kind: String, Sendable { case subject, assertion }
    var kind: Kind
    var value: String
    var seq: Int

    static func keys(of entry: TransferLogEntry?, seq: Int) -> [LogKey] {
        guard let entry else { return [] }
        var keys: [LogKey] = []
        if !entry.subjectDigest.isEmpty { keys.append(LogKey(kind: .subject, value: entry.subjectDigest, seq: seq)) }
        if !entry.assertionID.isEmpty { keys.append(LogKey(kind: .assertion, value: entry.assertionID, seq: seq)) }
        return keys
    }
}
