import Foundation

/// Durable storage for the transfer log.
///
/// Two implementations: SQLite for one instance, PostgreSQL for several
/// instances sharing one sequence. `append` must return only after the batch
/// is durable and must assign contiguous sequence numbers under a lock that
/// every writer of the same log respects.
public protocol TransferLogStore: Sendable {
    /// Appends entries in order in one transaction, together with the signed
    /// tree head of the new size; returns after commit.
    func append(_ entries: [TransferLogEntry], signer: TreeHeadSigner) async throws -> [SequencedEntry]
    /// Stored rows in sequence order, `[from, from+limit)`.
    func records(from: Int, limit: Int?) async throws -> [StoredRecord]
    /// All stored signed tree heads, smallest first.
    func treeHeads() async throws -> [StoredTreeHead]
    /// Signed tree heads of size `size` or more, smallest first.
    func treeHeads(from size: Int) async throws -> [StoredTreeHead]
    /// The newest signed tree head, or nil while the log is empty.
    func latestTreeHead() async throws -> StoredTreeHead?
    func treeHead(size: Int) async throws -> StoredTreeHead?
    /// Stored hash tiles (each as many hashes as are complete so far).
    func tiles(_ ids: Set<TileID>) async throws -> [TileID: Data]
    /// Matching rows by SQL, in sequence order or newest first.
    func search(_ filter: LogFilter, page: Page, newestFirst: Bool) async throws -> [StoredRecord]
    func count(_ filter: LogFilter) async throws -> Int
    /// Time of the first and last matching entry, in milliseconds.
    func timeBounds(_ filter: LogFilter) async throws -> ClosedRange<Int64>?
    /// Hourly tallies for one purpose (or all) over an hour range (or all).
    func tallies(purpose: String?, hours: Range<Int>?) async throws -> LogTallies
    /// Transfers to `recipient` per hour (hours since the epoch) in `hours`.
    func transferCounts(recipient: String, hours: ClosedRange<Int>) async throws -> [Int: Int]
    /// Where incremental verification stopped last time for this verifier key.
    func verifiedState(verifier: String) async throws -> VerifiedState?
    func saveVerifiedState(_ state: VerifiedState, verifier: String) async throws
    /// Removes bodies of entries older than `before`, keeping leaf hashes.
    func redact(before: Date) async throws -> Int
    func close() async throws
    /// Every row and every signed tree head, read in one transaction.
    func snapshot() async throws -> LogSnapshot
    /// Feeds `verification` the signed tree heads and hourly tallies, then
    /// every row in order, from one snapshot, reading rows as a stream
    /// rather than all at once.
    func scan(_ verification: LogVerification) async throws -> LogVerification
    /// The tree state an append would extend, with the leaf hashes from
    /// `from` up and the tree heads of size `from` and above, in one read.
    func tail(from: Int) async throws -> LogTail
    /// Replaces the note of the tree head of `size` when it is still `old`
    /// (one conditional statement); used to add witness cosignatures.
    func replaceTreeHead(size: Int, old: String, new: String) async throws -> Bool
}

extension TransferLogStore {
    /// For stores that wrap another: the snapshot, read whole.
    public func scan(_ verification: LogVerification) async throws -> LogVerification {
        let snapshot = try await snapshot()
        var verification = verification
        try verification.begin(heads: snapshot.heads, hourly: snapshot.hourly)
        for record in snapshot.records { try verification.add(record) }
        return verification
    }
}

/// Rows and tree heads as of one moment.
public struct LogSnapshot: Sendable {
    public var records: [StoredRecord]
    public var heads: [StoredTreeHead]
    /// The stored hourly tallies (`log_hourly`), read in the same transaction.
    public var hourly: [HourlyTally]

    public init(records: [StoredRecord], heads: [StoredTreeHead], hourly: [HourlyTally] = []) {
        self.records = records
        self.heads = heads
        self.hourly = hourly
    }
}

/// What an append would build on: the stored tree state and what was
/// appended after a known size.
public struct LogTail: Sendable {
    public var state: CompactRange
    /// Leaf hashes of entries `from…`, by sequence number.
    public var leafHashes: [(seq: Int, hash: Data)]
    public var heads: [StoredTreeHead]

    public init(state: CompactRange, leafHashes: [(seq: Int, hash: Data)], heads: [StoredTreeHead]) {
        self.state = state
        self.leafHashes = leafHashes
        self.heads = heads
    }
}

/// One row as stored.
public struct StoredRecord: Sendable, Hashable {
    public var seq: Int
    public var timeMillis: Int64
    public var recipient: String
    public var purpose: String
    public var decision: String
    public var body: Data?
    public var leafHash: Data
    /// Root of the tree whose last leaf is this entry.
    public var treeRoot: Data

    public init(seq: Int, timeMillis: Int64, recipient: String, purpose: String, decision: String, body: Data?, leafHash: Data, treeRoot: Data) {
        self.seq = seq
        self.timeMillis = timeMillis
        self.recipient = recipient
        self.purpose = purpose
        self.decision = decision
        self.body = body
        self.leafHash = leafHash
        self.treeRoot = treeRoot
    }
}

/// A stored signed tree head.
public struct StoredTreeHead: Sendable, Hashable {
    public var size: Int
    /// The C2SP signed note text.
    public var note: String

    public init(size: Int, note: String) {
        self.size = size
        self.note = note
    }
}

/// Opens stores by URL: `sqlite:PATH` or
/// `postgres://user[:password]@host:port/db[?schema=NAME]`.
public enum TransferLogStores {
    public static func open(url: String) async throws -> any TransferLogStore {
        if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw TransferLogError.badStoreURL("sqlite: needs a file path") }
            return try SQLiteTransferLogStore(path: path)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return try await PostgresTransferLogStore.connect(url: url)
        }
        throw TransferLogError.badStoreURL("unknown scheme")
    }
}

/// The rows, tree head and new tree state for one batch, computed once for
/// both stores so they cannot disagree on what an append means.
struct AppendPlan {
    var records: [StoredRecord]
    var sequenced: [SequencedEntry]
    var range: CompactRange
    var head: StoredTreeHead
    var derived: DerivedRows

    init(entries: [TransferLogEntry], range start: CompactRange, signer: TreeHeadSigner) throws {
        if let base = signer.requiredBase, base.size != start.size || base.root != start.root {
            throw TreeMoved(size: start.size)
        }
        var range = start
        records = []
        sequenced = []
        for entry in entries {
            let seq = range.size
            let body = try EntryBody.encode(seq: seq, entry: entry)
            let leaf = MerkleTree.leafHash(body)
            range.append(leaf)
            records.append(
                StoredRecord(
                    seq: seq, timeMillis: Int64((entry.time.timeIntervalSince1970 * 1000).rounded()),
                    recipient: entry.recipient, purpose: entry.purpose, decision: entry.decision.rawValue,
                    body: body, leafHash: leaf, treeRoot: range.root))
            sequenced.append(SequencedEntry(seq: seq, entry: entry, body: body, leafHash: leaf))
        }
        self.range = range
        derived = DerivedRows(records: records, entries: entries, start: start)
        let checkpoint = Checkpoint(origin: signer.name, size: range.size, rootHash: range.root)
        head = StoredTreeHead(size: range.size, note: try signer.sign(checkpoint))
    }
}

/// The stored tree is not the one the signer was pinned to: another
/// instance appended, or someone changed the store. The log then checks
/// the stored tail again before it signs anything.
struct TreeMoved: Error {
    var size: Int
}

/// Where incremental verification may continue: a checkpoint this verifier
/// checked, and the right edge of the tree at its size. Trusted only after
/// the note's signature verifies and the edge hashes to the signed root, so
/// a row edited in the store can make verification start over, never skip.
public struct VerifiedState: Sendable, Hashable {
    public var note: String
    public var range: CompactRange

    public init(note: String, range: CompactRange) {
        self.note = note
        self.range = range
    }
}
