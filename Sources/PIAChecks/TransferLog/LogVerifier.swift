import Foundation

/// What `verify` established.
public struct VerificationReport: Sendable, Hashable {
    public var entries: Int
    public var rootHash: Data
    public var treeHeadsChecked: Int
    public var redactedEntries: Int
    /// The signed tree head of the verified size, read in the same snapshot.
    public var checkpoint: String?
    /// Time of the last verified entry, from its hashed body when present.
    public var lastEntryTime: Date?
    /// The newest checkpoint a quorum of witnesses cosigned, when asked for.
    public var witnessed: WitnessedCheckpoint?
    /// Entries hashed in this run: all of them, or those after the
    /// checkpoint an incremental run continued from.
    public var entriesChecked: Int
    /// The tree's right edge at `entries`, to continue from next time.
    var range: CompactRange

    public var summary: String {
        "verified \(entries) entries, root \(rootHash.hex)"
    }
}

/// Recomputes the tree from stored rows and checks every signed tree head.
///
/// Each row carries its sequence number inside the hashed body, its leaf
/// hash and the tree root after it, and its indexed columns must repeat
/// what the body says, so the first row that was edited, deleted or moved
/// is named exactly; a row whose body, leaf hash and root were all rewritten
/// is caught by the signed tree head of its batch.
struct LogVerifier {
    let verifier: TreeHeadVerifier

    /// Checks `records` as the entries after `start` (the whole log when
    /// `start` is empty); `heads` are the signed tree heads from `start.size` on.
    func verify(records: [StoredRecord], heads: [StoredTreeHead], from start: CompactRange = CompactRange()) throws -> VerificationReport {
        var verification = LogVerification(verifier: self, from: start)
        try verification.begin(heads: heads, hourly: nil)
        for record in records { try verification.add(record) }
        return try verification.finish()
    }

    /// Checks one stored row as entry `index`: in its place, its body
    /// hashing to its leaf hash and saying what its columns say. Returns the
    /// entry's time (from the column when the body was redacted).
    static func check(_ record: StoredRecord, at index: Int) throws -> Date {
        if record.seq > index {
            throw LogVerificationError(entry: index, problem: "missing (the next stored entry is \(record.seq))")
        }
        if record.seq < index {
            throw LogVerificationError(entry: record.seq, problem: "stored more than once or out of order")
        }
        guard record.leafHash.count == 32 else {
            throw LogVerificationError(entry: index, problem: "leaf hash is not 32 bytes")
        }
        guard let body = record.body else { return Date(timeIntervalSince1970: Double(record.timeMillis) / 1000) }
        let decoded: (seq: Int, entry: TransferLogEntry)
        do {
            decoded = try EntryBody.decode(body)
        } catch {
            throw LogVerificationError(entry: index, problem: "body is not a readable log entry")
        }
        if decoded.seq != index {
            throw LogVerificationError(entry: index, problem: "body belongs to entry \(decoded.seq) (rows reordered)")
        }
        if MerkleTree.leafHash(body) != record.leafHash {
            throw LogVerificationError(entry: index, problem: "body does not match its leaf hash (entry edited)")
        }
        if let column = Self.unboundColumn(record, decoded.entry) {
            throw LogVerificationError(entry: index, problem: "stored \(column) column differs from the hashed entry (column edited)")
        }
        return decoded.entry.time
    }

    /// Checks the stored hourly tallies (what the overview, the PIA summary
    /// and the volume check count from) against the counts of the verified
    /// entries' columns; both must come from one snapshot.
    static func checkTallies(_ stored: [HourlyTally], expected: [TallyKey: Int]) throws {
        var found: [TallyKey: Int] = [:]
        for tally in stored {
            found[TallyKey(hour: tally.hour, recipient: tally.recipient, purpose: tally.purpose, decision: tally.decision), default: 0] +=
                tally.entries
        }
        for key in Set(expected.keys).union(found.keys).sorted(by: {
            ($0.hour, $0.recipient, $0.purpose, $0.decision) < ($1.hour, $1.recipient, $1.purpose, $1.decision)
        })
        where expected[key, default: 0] != found[key, default: 0] {
            throw LogVerificationError(
                entry: nil,
                problem:
                    "hourly tally of \(key.decision) entries for \(key.recipient), \(key.purpose) in hour \(key.hour) says \(found[key, default: 0]) but \(expected[key, default: 0]) are stored (tally edited)"
            )
        }
    }

    /// The first indexed column (what search, filters, statistics and the
    /// volume check read) that does not say what the hashed body says.
    static func unboundColumn(_ record: StoredRecord, _ entry: TransferLogEntry) -> String? {
        if record.decision != entry.decision.rawValue { return "decision" }
        if record.recipient != entry.recipient { return "recipient" }
        if record.purpose != entry.purpose { return "purpose" }
        if record.timeMillis != Int64((entry.time.timeIntervalSince1970 * 1000).rounded()) { return "time" }
        return nil
    }

    func check(head: StoredTreeHead, root: Data, from: Int) throws {
        let checkpoint: Checkpoint
        do {
            checkpoint = try verifier.verify(noteText: head.note)
        } catch {
            throw LogVerificationError(entry: nil, problem: "signed tree head of size \(head.size): \(error)")
        }
        guard checkpoint.size == head.size else {
            throw LogVerificationError(entry: nil, problem: "signed tree head stored as size \(head.size) says \(checkpoint.size)")
        }
        guard checkpoint.rootHash == root else {
            let entry = head.size - 1 == from ? "entry \(from)" : "entries \(from)–\(head.size - 1)"
            throw LogVerificationError(
                entry: from,
                problem: "signed tree head of size \(head.size) does not match the recomputed tree; \(entry) altered")
        }
    }
}

/// One cell of the hourly tallies.
struct TallyKey: Hashable, Sendable {
    var hour: Int
    var recipient: String
    var purpose: String
    var decision: String

    init(hour: Int, recipient: String, purpose: String, decision: String) {
        self.hour = hour
        self.recipient = recipient
        self.purpose = purpose
        self.decision = decision
    }

    init(_ record: StoredRecord) {
        self.init(hour: LogTallies.hour(ofMillis: record.timeMillis), recipient: record.recipient, purpose: record.purpose, decision: record.decision)
    }
}
