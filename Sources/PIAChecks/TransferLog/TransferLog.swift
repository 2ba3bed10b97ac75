import Foundation

/// The tamper-evident transfer log.
///
/// `append` is the gate of every transfer: it returns only when the entry
/// and a signed tree head covering it are durable, and any error means the
/// data must not leave. Concurrent appends are grouped into one transaction
/// (group commit), so one fsync serves many requests.
public actor TransferLog: TransferHistory {
    public nonisolated let store: any TransferLogStore
    public nonisolated let verifier: TreeHeadVerifier
    let signer: TreeHeadSigner?
    /// Largest number of entries committed in one transaction.
    let maxBatch: Int

    private var pending: [(entry: TransferLogEntry, continuation: CheckedContinuation<SequencedEntry, any Error>)] = []
    private var committing = false

    /// A log that can append.
    public init(store: any TransferLogStore, signer: TreeHeadSigner, maxBatch: Int = 512) {
        self.store = store
        self.signer = signer
        self.verifier = signer.verifier
        self.maxBatch = max(1, maxBatch)
    }

    /// A read-only log for reviewers, who hold only the public key.
    public init(store: any TransferLogStore, verifier: TreeHeadVerifier) {
        self.store = store
        self.signer = nil
        self.verifier = verifier
        self.maxBatch = 1
    }

    /// The signer, for tests that start a second instance with the same key.
    nonisolated var signerForTesting: TreeHeadSigner? { signer }

    // MARK: Appending

    /// Appends `entry` and returns once it is durable. Throws on any failure;
    /// the caller must then refuse the transfer.
    public func append(_ entry: TransferLogEntry) async throws -> SequencedEntry {
        guard signer != nil else { throw TransferLogError.badKey("this log was opened without a signing key") }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append((entry, continuation))
            if !committing {
                committing = true
                Task { await self.commitPending() }
            }
        }
    }

    /// Commits queued entries batch by batch until none are left. Entries that
    /// arrive while a batch is being written wait for the next batch.
    private func commitPending() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            guard let signer else { break }
            do {
                let stored = try await store.append(batch.map(\.entry), signer: signer)
                guard stored.count == batch.count else {
                    throw TransferLogError.corrupt("store acknowledged \(stored.count) of \(batch.count) entries")
                }
                for (item, result) in zip(batch, stored) {
                    item.continuation.resume(returning: result)
                }
            } catch {
                for item in batch {
                    item.continuation.resume(throwing: error)
                }
            }
        }
        committing = false
    }

    // MARK: Tree heads

    /// The latest signed tree head, as C2SP signed-note text.
    public func checkpoint() async throws -> String {
        let heads = try await store.treeHeads()
        if let latest = heads.last { return latest.note }
        guard let signer else { throw TransferLogError.noTreeHead("the log is empty and no signing key was given") }
        return try signer.sign(Checkpoint(origin: signer.name, size: 0, rootHash: MerkleTree.emptyRoot))
    }

    /// A signed tree head for `size`: the stored one, or a new signature over
    /// the recomputed root when this log holds the signing key.
    private func signedHead(size: Int, leaves: [Data], heads: [StoredTreeHead]) throws -> String {
        if let head = heads.first(where: { $0.size == size }) { return head.note }
        guard let signer else {
            let sizes = heads.map(\.size).suffix(20).map(String.init).joined(separator: ", ")
            throw TransferLogError.noTreeHead("none stored for size \(size); stored sizes include \(sizes)")
        }
        return try signer.sign(Checkpoint(origin: signer.name, size: size, rootHash: MerkleTree.root(leaves[0..<size])))
    }

    // MARK: Verification

    /// Recomputes the whole tree and checks every signed tree head.
    public func verify() async throws -> VerificationReport {
        let records = try await store.records(from: 0, limit: nil)
        let heads = try await store.treeHeads()
        return try LogVerifier(verifier: verifier).verify(records: records, heads: heads)
    }

    // MARK: Reading

    public func entries(filter: LogFilter, page: Page = Page()) async throws -> [SequencedEntry] {
        var matched: [SequencedEntry] = []
        var skipped = 0
        for record in try await store.records(from: 0, limit: nil) {
            let entry = try record.body.map { try EntryBody.decode($0).entry }
            guard filter.matches(record, entry: entry) else { continue }
            if skipped < page.offset {
                skipped += 1
                continue
            }
            if matched.count >= page.limit { break }
            matched.append(SequencedEntry(seq: record.seq, entry: entry, body: record.body, leafHash: record.leafHash))
        }
        return matched
    }

    public func entry(seq: Int) async throws -> SequencedEntry {
        guard let record = try await store.records(from: seq, limit: 1).first, record.seq == seq else {
            throw TransferLogError.noSuchEntry(seq)
        }
        let entry = try record.body.map { try EntryBody.decode($0).entry }
        return SequencedEntry(seq: seq, entry: entry, body: record.body, leafHash: record.leafHash)
    }

    // MARK: Proofs

    /// Inclusion proof for entry `seq` against the latest signed tree head.
    public func inclusionProof(seq: Int) async throws -> InclusionProofBundle {
        let (records, heads) = try await contiguousRecords()
        guard seq >= 0, seq < records.count else { throw TransferLogError.noSuchEntry(seq) }
        guard let body = records[seq].body else {
            throw TransferLogError.noSuchEntry(seq)
        }
        let leaves = records.map(\.leafHash)
        let note = try signedHead(size: leaves.count, leaves: leaves, heads: heads)
        let proof = InclusionProof(leafIndex: seq, treeSize: leaves.count, hashes: MerkleTree.inclusionPath(index: seq, leaves[...]))
        return InclusionProofBundle(checkpoint: note, entry: body, proof: proof)
    }

    /// Consistency proof between two tree sizes.
    public func consistencyProof(old: Int, new: Int) async throws -> ConsistencyProofBundle {
        let (records, heads) = try await contiguousRecords()
        guard old >= 0, old <= new, new <= records.count else {
            throw TransferLogError.badProof("sizes must satisfy 0 ≤ old ≤ new ≤ \(records.count)")
        }
        let leaves = records.map(\.leafHash)
        return ConsistencyProofBundle(
            oldCheckpoint: try signedHead(size: old, leaves: leaves, heads: heads),
            newCheckpoint: try signedHead(size: new, leaves: leaves, heads: heads),
            oldSize: old, newSize: new,
            consistencyPath: MerkleTree.consistencyProof(oldSize: old, leaves[0..<new]).map(\.hex))
    }

    private func contiguousRecords() async throws -> ([StoredRecord], [StoredTreeHead]) {
        let records = try await store.records(from: 0, limit: nil)
        for (index, record) in records.enumerated() where record.seq != index {
            throw TransferLogError.corrupt("entry \(index) is missing; run verify")
        }
        return (records, try await store.treeHeads())
    }

    // MARK: Retention

    /// Redacts bodies of entries older than `cutoff`; leaf hashes stay, so
    /// tree heads and proofs of other entries still verify.
    public func redact(olderThan cutoff: Date) async throws -> Int {
        try await store.redact(before: cutoff)
    }

    // MARK: TransferHistory

    public func hourlyTransferCounts(recipient: String, hours: Int, now: Date) async throws -> HourlyCounts {
        let hour: TimeInterval = 3600
        let since = now.addingTimeInterval(-hour * Double(hours + 1))
        var previous = [Int](repeating: 0, count: hours)
        var current = 0
        for time in try await store.transferTimes(recipient: recipient, since: since) where time <= now {
            let age = now.timeIntervalSince(time)
            if age < hour {
                current += 1
            } else {
                let bucket = Int(age / hour) - 1
                if bucket < hours { previous[hours - 1 - bucket] += 1 }
            }
        }
        return HourlyCounts(current: current, previous: previous)
    }
}
