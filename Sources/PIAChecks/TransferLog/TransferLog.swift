import Foundation
import Logging

/// The tamper-evident transfer log.
///
/// `append` is the gate of every transfer: it returns only when the entry
/// and a signed tree head covering it are durable, and any error means the
/// data must not leave. Concurrent appends are grouped into one transaction
/// (group commit), so one fsync serves many requests.
///
/// With a signed-checkpoint file, every batch is signed only on top of a
/// stored tree shown to extend the newest checkpoint this log signed; once
/// that fails, every later append fails too (see `integrityProblem`).
public actor TransferLog: TransferHistory {
    public nonisolated let store: any TransferLogStore
    public nonisolated let verifier: TreeHeadVerifier
    let signer: TreeHeadSigner?
    /// Largest number of entries committed in one transaction.
    let maxBatch: Int

    private var pending: [(entry: TransferLogEntry, continuation: CheckedContinuation<SequencedEntry, any Error>)] = []
    private var committing = false
    /// Where the newest signed checkpoint is kept outside the store.
    let signedState: SignedTreeStateFile?
    /// The newest tree known to extend what this log signed.
    private var trusted: CompactRange?
    /// The first inconsistency found; latched, so no later append succeeds.
    private var failure: TransferLogError?
    private let logger = Logger(label: "federationbridge.transferlog")

    /// A log that can append. With `signedState`, appends are refused unless
    /// the stored tree extends the checkpoint kept there.
    public init(store: any TransferLogStore, signer: TreeHeadSigner, maxBatch: Int = 512, signedState: SignedTreeStateFile? = nil) {
        self.store = store
        self.signer = signer
        self.verifier = signer.verifier
        self.maxBatch = max(1, maxBatch)
        self.signedState = signedState
    }

    /// A read-only log for reviewers, who hold only the public key.
    public init(store: any TransferLogStore, verifier: TreeHeadVerifier) {
        self.store = store
        self.signer = nil
        self.verifier = verifier
        self.maxBatch = 1
        self.signedState = nil
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
                let stored = try await appendExtending(batch.map(\.entry), signer: signer)
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

    // MARK: Append-only guard

    /// Appends on top of a stored tree that extends the newest checkpoint
    /// this log signed, then records the new checkpoint outside the store.
    private func appendExtending(_ entries: [TransferLogEntry], signer: TreeHeadSigner) async throws -> [SequencedEntry] {
        guard let signedState else { return try await store.append(entries, signer: signer) }
        if let failure { throw failure }
        do {
            var base = try await trustedTree(signedState, signer: signer)
            // Another instance may append between the check and the commit.
            for _ in 0..<8 {
                let stored: [SequencedEntry]
                do {
                    stored = try await store.append(entries, signer: signer.extending(base))
                } catch {
                    guard TreeMoved.found(in: error) != nil else { throw error }
                    base = try await catchUp(from: base)
                    trusted = base
                    continue
                }
                var tree = base
                for item in stored { tree.append(item.leafHash) }
                let note = try signer.sign(Checkpoint(origin: signer.name, size: tree.size, rootHash: tree.root))
                try signedState.save(.init(checkpoint: note, tree: tree))
                trusted = tree
                return stored
            }
            throw TransferLogError.storeUnavailable("other writers kept moving the tree; nothing was appended")
        } catch let error as TransferLogError {
            if case .notExtending = error { trip(error) }
            throw error
        }
    }

    /// The stored tree, shown to extend `base`.
    private func catchUp(from base: CompactRange) async throws -> CompactRange {
        try TailConsistency(verifier: verifier).extend(base, with: try await store.tail(from: base.size))
    }

    /// The trusted tree: from memory, from the signed-checkpoint file, or,
    /// when there is no file yet, from a full verification of the store.
    private func trustedTree(_ file: SignedTreeStateFile, signer: TreeHeadSigner) async throws -> CompactRange {
        if let trusted { return trusted }
        if let loaded = try Self.load(file, verifier: verifier) {
            trusted = loaded.tree
            return loaded.tree
        }
        let snapshot = try await store.snapshot()
        // Another caller may have set it while the snapshot was read.
        if let trusted { return trusted }
        let report: VerificationReport
        do {
            report = try LogVerifier(verifier: verifier).verify(records: snapshot.records, heads: snapshot.heads)
        } catch {
            throw TransferLogError.notExtending("no signed checkpoint file yet, and the stored log does not verify: \(error)")
        }
        var tree = CompactRange()
        for record in snapshot.records { tree.append(record.leafHash) }
        let note = try report.checkpoint ?? signer.sign(Checkpoint(origin: signer.name, size: tree.size, rootHash: tree.root))
        try file.save(.init(checkpoint: note, tree: tree))
        logger.warning("no signed checkpoint file; started it from the verified stored log", metadata: [
            "log.size": "\(tree.size)", "file": "\(file.url.path)",
        ])
        trusted = tree
        return tree
    }

    private static func load(_ file: SignedTreeStateFile, verifier: TreeHeadVerifier) throws -> SignedTreeStateFile.State? {
        do {
            return try file.load(verifier: verifier)
        } catch {
            throw TransferLogError.notExtending("\(error)")
        }
    }

    private func trip(_ error: TransferLogError) {
        guard failure == nil else { return }
        failure = error
        logger.critical("transfer log integrity lost: refusing every transfer", metadata: ["problem": "\(error)"])
    }

    /// Why this log refuses to append, or `nil`. Checks the stored tail
    /// against the signed checkpoint now, so a rollback shows before the
    /// next transfer is attempted.
    public func integrityProblem() async -> String? {
        guard let signedState, let signer else { return nil }
        if let failure { return failure.description }
        do {
            _ = try await catchUp(from: try await trustedTree(signedState, signer: signer))
            return nil
        } catch let error as TransferLogError {
            if case .notExtending = error { trip(error) }
            return error.description
        } catch {
            return "the transfer log could not be checked: \(error)"
        }
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
    /// Entries and heads come from one snapshot, so appends running
    /// meanwhile never look like a missing entry.
    public func verify() async throws -> VerificationReport {
        try await verify(requiring: nil)
    }

    /// Verifies, then, with a quorum, finds the newest stored checkpoint that
    /// enough witnesses cosigned (from the same snapshot); throws when none.
    public func verify(requiring quorum: WitnessQuorum?) async throws -> VerificationReport {
        let snapshot = try await store.snapshot()
        var report = try LogVerifier(verifier: verifier).verify(records: snapshot.records, heads: snapshot.heads)
        report.witnessed = try quorum?.newestWitnessed(snapshot.heads)
        return report
    }

    // MARK: Witnesses

    /// The newest stored signed tree head, read without the entries.
    public func latestTreeHead() async throws -> StoredTreeHead? {
        let tail = try await store.tail(from: Int.max)
        guard tail.state.size > 0 else { return nil }
        return try await store.tail(from: tail.state.size).heads.first { $0.size == tail.state.size }
    }

    /// Adds a witness's cosignature lines to the stored head of `size`,
    /// after checking they verify on it; `false` when the head changed
    /// meanwhile (the caller collects again).
    public func addCosignatures(_ lines: String, by witness: CosignatureVerifier, size: Int) async throws -> Bool {
        guard let head = try await store.tail(from: size).heads.first(where: { $0.size == size }) else {
            throw TransferLogError.noTreeHead("none stored for size \(size)")
        }
        let note = try SignedNote(text: head.note)
        let merged = try note.adding(cosignatureLines: lines)
        guard try witness.cosignatureTime(on: merged) != nil else {
            throw TransferLogError.badCheckpoint("the answer of witness \(witness.name) holds no cosignature by its key")
        }
        return try await store.replaceTreeHead(size: size, old: head.note, new: merged.text)
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
        let snapshot = try await store.snapshot()
        for (index, record) in snapshot.records.enumerated() where record.seq != index {
            throw TransferLogError.corrupt("entry \(index) is missing; run verify")
        }
        return (snapshot.records, snapshot.heads)
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
