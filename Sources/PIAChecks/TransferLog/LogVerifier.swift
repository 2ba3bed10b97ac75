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

    func verify(records: [StoredRecord], heads: [StoredTreeHead]) throws -> VerificationReport {
        var headsBySize: [Int: StoredTreeHead] = [:]
        for head in heads {
            headsBySize[head.size] = head
        }
        var range = CompactRange()
        var redacted = 0
        var lastGoodHead = 0
        var checked = 0
        var lastTime: Date?
        if let empty = headsBySize[0] {
            try check(head: empty, root: range.root, from: 0)
            checked += 1
        }
        for (index, record) in records.enumerated() {
            if record.seq > index {
                throw LogVerificationError(entry: index, problem: "missing (the next stored entry is \(record.seq))")
            }
            if record.seq < index {
                throw LogVerificationError(entry: record.seq, problem: "stored more than once or out of order")
            }
            if let body = record.body {
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
                lastTime = decoded.entry.time
            } else {
                redacted += 1
            }
            guard record.leafHash.count == 32 else {
                throw LogVerificationError(entry: index, problem: "leaf hash is not 32 bytes")
            }
            if record.body == nil { lastTime = Date(timeIntervalSince1970: Double(record.timeMillis) / 1000) }
            range.append(record.leafHash)
            let root = range.root
            if record.treeRoot != root {
                throw LogVerificationError(entry: index, problem: "tree root after this entry does not match (leaf hash altered)")
            }
            if let head = headsBySize[index + 1] {
                try check(head: head, root: root, from: lastGoodHead)
                lastGoodHead = index + 1
                checked += 1
            }
        }
        if let beyond = heads.map(\.size).filter({ $0 > records.count }).min() {
            throw LogVerificationError(
                entry: records.count,
                problem: "missing: a signed tree head covers \(beyond) entries but only \(records.count) are stored")
        }
        if !records.isEmpty, headsBySize[records.count] == nil {
            throw LogVerificationError(
                entry: lastGoodHead,
                problem: "entries \(lastGoodHead)–\(records.count - 1) are not covered by any signed tree head")
        }
        return VerificationReport(
            entries: records.count, rootHash: range.root, treeHeadsChecked: checked, redactedEntries: redacted,
            checkpoint: headsBySize[records.count]?.note, lastEntryTime: lastTime, witnessed: nil)
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

    private func check(head: StoredTreeHead, root: Data, from: Int) throws {
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
