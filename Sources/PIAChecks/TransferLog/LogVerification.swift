import Foundation

/// One verification run fed a stored row at a time, so a log of millions of
/// entries is checked without holding it in memory: the stores hand rows
/// over from one snapshot as they read them (`TransferLogStore.scan`).
///
/// `begin` takes the signed tree heads (and, for a full run, the stored
/// hourly tallies) of the same snapshot; `add` checks each row in order;
/// `finish` checks what can only be known at the end.
public struct LogVerification: Sendable {
    let verifier: LogVerifier
    let start: CompactRange
    /// The heads handed to `begin`, for callers that look at them afterwards.
    private(set) var heads: [StoredTreeHead] = []
    private var headsBySize: [Int: StoredTreeHead] = [:]
    /// The stored tallies to check at the end, and the counts seen so far.
    private var storedTallies: [HourlyTally]?
    private var tallies: [TallyKey: Int] = [:]
    private var range: CompactRange
    private var redacted = 0
    private var lastGoodHead: Int
    private var checked = 0
    private var lastTime: Date?

    init(verifier: LogVerifier, from start: CompactRange = CompactRange()) {
        self.verifier = verifier
        self.start = start
        self.range = start
        self.lastGoodHead = start.size
    }

    /// `hourly` nil skips the tally check (an incremental run).
    mutating func begin(heads: [StoredTreeHead], hourly: [HourlyTally]?) throws {
        self.heads = heads
        for head in heads { headsBySize[head.size] = head }
        storedTallies = hourly
        if let first = headsBySize[start.size] {
            try verifier.check(head: first, root: range.root, from: start.size)
            checked += 1
        }
    }

    mutating func add(_ record: StoredRecord) throws {
        let index = range.size
        lastTime = try LogVerifier.check(record, at: index)
        if record.body == nil { redacted += 1 }
        if storedTallies != nil { tallies[TallyKey(record), default: 0] += 1 }
        range.append(record.leafHash)
        let root = range.root
        if record.treeRoot != root {
            throw LogVerificationError(entry: index, problem: "tree root after this entry does not match (leaf hash altered)")
        }
        if let head = headsBySize[index + 1] {
            try verifier.check(head: head, root: root, from: lastGoodHead)
            lastGoodHead = index + 1
            checked += 1
        }
    }

    func finish() throws -> VerificationReport {
        let end = range.size
        if let beyond = heads.map(\.size).filter({ $0 > end }).min() {
            throw LogVerificationError(
                entry: end,
                problem: "missing: a signed tree head covers \(beyond) entries but only \(end) are stored")
        }
        if end > start.size, headsBySize[end] == nil {
            throw LogVerificationError(
                entry: lastGoodHead,
                problem: "entries \(lastGoodHead)–\(end - 1) are not covered by any signed tree head")
        }
        if let storedTallies { try LogVerifier.checkTallies(storedTallies, expected: tallies) }
        return VerificationReport(
            entries: end, rootHash: range.root, treeHeadsChecked: checked, redactedEntries: redacted,
            checkpoint: headsBySize[end]?.note, lastEntryTime: lastTime, witnessed: nil,
            entriesChecked: end - start.size, range: range)
    }
}
