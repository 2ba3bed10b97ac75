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
        // Chunk by chunk, so memory stays small however long the log: the
        // entries up to the newest signed tree head must hash to its root.
        var tree = CompactRange()
        var note: String
        if let latest = try await store.latestTreeHead() {
            let checkpoint: Checkpoint
            do {
                checkpoint = try verifier.verify(noteText: latest.note)
            } catch {
                throw TransferLogError.notExtending("no signed checkpoint file yet, and the newest signed tree head does not verify: \(error)")
            }
            do {
                tree = try await LogAudit(store: store, chunkSize: 4096).run(size: checkpoint.size, root: checkpoint.rootHash, pause: .zero)
            } catch let error as LogVerificationError {
                throw TransferLogError.notExtending("no signed checkpoint file yet, and the stored log does not verify: \(error)")
            }
            note = latest.note
        } else {
            note = try signer.sign(Checkpoint(origin: signer.name, size: 0, rootHash: tree.root))
        }
        // Another caller may have set it while the log was read.
        if let trusted { return trusted }
        try file.save(.init(checkpoint: note, tree: tree))
        logger.warning(
            "no signed checkpoint file; started it from the verified stored log",
            metadata: [
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

    // MARK: Auditing

    /// Re-checks everything this log signed (see `LogAudit`), chunk by
    /// chunk with `pause` between chunks. A problem is latched like a failed
    /// tail check: every later append is refused and `integrityProblem`
    /// names it. Returns the number of entries checked.
    public func audit(chunkSize: Int = 4096, pause: Duration = .zero) async throws -> Int {
        guard let signedState, let signer else { throw TransferLogError.badKey("only a log that appends audits what it signed") }
        if let failure { throw failure }
        let target = try await trustedTree(signedState, signer: signer)
        do {
            try await LogAudit(store: store, chunkSize: chunkSize).run(size: target.size, root: target.root, pause: pause)
        } catch let error as LogVerificationError {
            let failure = TransferLogError.auditFailed("\(error)")
            trip(failure)
            throw failure
        }
        return target.size
    }

    // MARK: Tree heads

    /// The latest signed tree head, as C2SP signed-note text.
    public func checkpoint() async throws -> String {
        if let latest = try await store.latestTreeHead() { return latest.note }
        guard let signer else { throw TransferLogError.noTreeHead("the log is empty and no signing key was given") }
        return try signer.sign(Checkpoint(origin: signer.name, size: 0, rootHash: MerkleTree.emptyRoot))
    }

    /// A signed tree head for `size`: the stored one, or a new signature over
    /// the root recomputed from the hash tiles when this log holds the key.
    private func signedHead(size: Int) async throws -> String {
        if let head = try await store.treeHead(size: size) { return head.note }
        guard let signer else {
            let latest = try await store.latestTreeHead().map { " (the newest is for size \($0.size))" } ?? ""
            throw TransferLogError.noTreeHead("none stored for size \(size)\(latest)")
        }
        let range = 0..<size
        let tiles = try await store.tiles(HashTiles.tiles(for: [range]))
        return try signer.sign(Checkpoint(origin: signer.name, size: size, rootHash: try HashTiles.hash(of: range, tiles: tiles)))
    }

    /// The size of the newest signed tree head (0 for an empty log).
    private func signedSize() async throws -> Int {
        guard let latest = try await store.latestTreeHead() else { return 0 }
        return try Checkpoint(body: try SignedNote(text: latest.note).body).size
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
        let verification = try await store.scan(LogVerification(verifier: LogVerifier(verifier: verifier)))
        var report = try verification.finish()
        try? await remember(report, heads: verification.heads)
        report.witnessed = try quorum?.newestWitnessed(verification.heads)
        return report
    }

    /// Checks only what was appended since the last checkpoint this
    /// verifier key verified (kept in the store), then remembers the new
    /// one. An edit to an entry before that checkpoint is found by
    /// `verify()` only; a stored state that does not verify is ignored and
    /// the run starts from entry 0. The append guard never relies on this
    /// state: it checks the stored tail against its own signed checkpoint.
    public func verifyIncrementally(requiring quorum: WitnessQuorum? = nil) async throws -> VerificationReport {
        var start = CompactRange()
        if let state = try await store.verifiedState(verifier: verifier.verifierKey), trusts(state) {
            start = state.range
        }
        // Tree heads first, entries up to the newest head second: an append
        // committing in between cannot look like an entry without a head.
        let heads = try await store.treeHeads(from: start.size)
        if start.size > 0, heads.first?.size != start.size {
            throw LogVerificationError(
                entry: nil,
                problem: "the signed tree head of size \(start.size), verified earlier, is no longer stored (log rolled back?)")
        }
        let end = heads.last?.size ?? 0
        let records = end > start.size ? try await store.records(from: start.size, limit: end - start.size) : []
        var report = try LogVerifier(verifier: verifier).verify(records: records, heads: heads, from: start)
        try? await remember(report, heads: heads)
        if let quorum {
            // The newest cosigned checkpoint may predate the verified one.
            report.witnessed = try quorum.newestWitnessed(try await store.treeHeads().filter { $0.size <= report.entries })
        }
        return report
    }

    /// A remembered state counts only when its note verifies and its edge
    /// hashes to the note's root at the note's size.
    private func trusts(_ state: VerifiedState) -> Bool {
        guard let checkpoint = try? verifier.verify(noteText: state.note) else { return false }
        return checkpoint.size == state.range.size && checkpoint.rootHash == state.range.root
    }

    /// Saves where verification got to. Best effort: a reviewer's read-only
    /// database account cannot write it, and then the next run starts over.
    private func remember(_ report: VerificationReport, heads: [StoredTreeHead]) async throws {
        guard let head = heads.last(where: { $0.size == report.entries }), report.entries > 0 else { return }
        try await store.saveVerifiedState(VerifiedState(note: head.note, range: report.range), verifier: verifier.verifierKey)
    }

    // MARK: Witnesses

    /// The newest stored signed tree head, read without the entries.
    public func latestTreeHead() async throws -> StoredTreeHead? {
        try await store.latestTreeHead()
    }

    /// Adds a witness's cosignature lines to the stored head of `size`,
    /// after checking they verify on it; `false` when the head changed
    /// meanwhile (the caller collects again).
    public func addCosignatures(_ lines: String, by witness: CosignatureVerifier, size: Int) async throws -> Bool {
        guard let head = try await store.treeHead(size: size) else {
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

    /// Matching entries by indexed SQL, oldest first (or newest first).
    public func entries(filter: LogFilter, page: Page = Page(), newestFirst: Bool = false) async throws -> [SequencedEntry] {
        try await store.search(filter, page: page, newestFirst: newestFirst).map { record in
            let entry = try record.body.map { try EntryBody.decode($0).entry }
            return SequencedEntry(seq: record.seq, entry: entry, body: record.body, leafHash: record.leafHash)
        }
    }

    /// How many entries match: summed from the hourly tallies when the
    /// filter is on tallied columns and whole hours, else counted by SQL.
    public func count(filter: LogFilter) async throws -> Int {
        guard filter.failedCheck == nil, filter.subjectDigest == nil, filter.assertionID == nil,
            Self.wholeHour(filter.from), Self.wholeHour(filter.until)
        else {
            return try await store.count(filter)
        }
        return try await tallies(purpose: filter.purpose, from: filter.from, until: filter.until).entries
            .filter { filter.recipient == nil || $0.recipient == filter.recipient }
            .filter { filter.decision == nil || $0.decision == filter.decision?.rawValue }
            .reduce(0) { $0 + $1.entries }
    }

    static func wholeHour(_ date: Date?) -> Bool { date.map { LogSQL.millis($0) % 3_600_000 == 0 } ?? true }

    public func entry(seq: Int) async throws -> SequencedEntry {
        guard let record = try await store.records(from: seq, limit: 1).first, record.seq == seq else {
            throw TransferLogError.noSuchEntry(seq)
        }
        let entry = try record.body.map { try EntryBody.decode($0).entry }
        return SequencedEntry(seq: seq, entry: entry, body: record.body, leafHash: record.leafHash)
    }

    /// Hourly tallies of the entries for `purpose` (or all) in
    /// `[from, until)`: read from the tables kept at append when the bounds
    /// fall on whole hours, otherwise counted from the matching rows.
    public func tallies(purpose: String?, from: Date?, until: Date?) async throws -> LogTallies {
        guard Self.wholeHour(from), Self.wholeHour(until) else {
            var tallies = LogTallies()
            for record in try await store.search(LogFilter(purpose: purpose, from: from, until: until), page: .all, newestFirst: false) {
                tallies.add(record, entry: try record.body.map { try EntryBody.decode($0).entry })
            }
            return tallies.merged()
        }
        let hours = (from.map(LogTallies.hour(of:)) ?? Int.min)..<(until.map(LogTallies.hour(of:)) ?? Int.max)
        return try await store.tallies(purpose: purpose, hours: from == nil && until == nil ? nil : hours)
    }

    /// Times of the first and last matching entry.
    public func timeBounds(filter: LogFilter) async throws -> ClosedRange<Date>? {
        try await store.timeBounds(filter).map {
            Date(timeIntervalSince1970: Double($0.lowerBound) / 1000)...Date(timeIntervalSince1970: Double($0.upperBound) / 1000)
        }
    }

    // MARK: Proofs

    /// Inclusion proof for entry `seq` against the latest signed tree head,
    /// from O(log n) stored hashes in a few tiles.
    public func inclusionProof(seq: Int) async throws -> InclusionProofBundle {
        guard let head = try await store.latestTreeHead() else { throw TransferLogError.noSuchEntry(seq) }
        let size = try Checkpoint(body: try SignedNote(text: head.note).body).size
        guard seq >= 0, seq < size, let record = try await store.records(from: seq, limit: 1).first, record.seq == seq,
            let body = record.body
        else {
            throw TransferLogError.noSuchEntry(seq)
        }
        let ranges = HashTiles.inclusionRanges(index: seq, size: size)
        let tiles = try await store.tiles(HashTiles.tiles(for: ranges))
        let proof = InclusionProof(leafIndex: seq, treeSize: size, hashes: try ranges.map { try HashTiles.hash(of: $0, tiles: tiles) })
        return InclusionProofBundle(checkpoint: head.note, entry: body, proof: proof)
    }

    /// Consistency proof between two tree sizes, from stored tiles.
    public func consistencyProof(old: Int, new: Int) async throws -> ConsistencyProofBundle {
        let size = try await signedSize()
        guard old >= 0, old <= new, new <= size else {
            throw TransferLogError.badProof("sizes must satisfy 0 ≤ old ≤ new ≤ \(size)")
        }
        let ranges = HashTiles.consistencyRanges(oldSize: old, newSize: new)
        let tiles = try await store.tiles(HashTiles.tiles(for: ranges))
        return ConsistencyProofBundle(
            oldCheckpoint: try await signedHead(size: old),
            newCheckpoint: try await signedHead(size: new),
            oldSize: old, newSize: new,
            consistencyPath: try ranges.map { try HashTiles.hash(of: $0, tiles: tiles).hex })
    }

    // MARK: Tiles

    /// A hash tile as served at `tile/<L>/<N>[.p/<W>]`: the first `width`
    /// hashes (all 256 when nil), or nil when the signed tree has fewer.
    public func tile(level: Int, index: Int, width: Int?) async throws -> Data? {
        let wanted = width ?? HashTiles.width
        let covered = try await signedSize() >> (HashTiles.height * level)
        guard index >= 0, index * HashTiles.width + wanted <= covered,
            let data = try await store.tiles([TileID(level: level, index: index)]).values.first,
            data.count >= wanted * 32
        else { return nil }
        return data.prefix(wanted * 32)
    }

    /// An entry bundle as served at `tile/entries/<N>[.p/<W>]`, or nil when
    /// the signed tree has fewer entries or one of them was redacted.
    public func entryBundle(index: Int, width: Int?) async throws -> Data? {
        let wanted = width ?? HashTiles.bundleSize
        guard index >= 0, index * HashTiles.bundleSize + wanted <= (try await signedSize()) else { return nil }
        let records = try await store.records(from: index * HashTiles.bundleSize, limit: wanted)
        let bodies = records.compactMap(\.body)
        guard bodies.count == wanted else { return nil }
        return try HashTiles.bundle(bodies)
    }

    // MARK: Retention

    /// Redacts bodies of entries older than `cutoff`; leaf hashes stay, so
    /// tree heads and proofs of other entries still verify.
    public func redact(olderThan cutoff: Date) async throws -> Int {
        try await store.redact(before: cutoff)
    }

    // MARK: TransferHistory

    /// From the per-recipient hourly counters kept in the append
    /// transaction: one indexed read of at most `hours + 1` hours, however
    /// long the log. Hours are UTC clock hours; "this hour" is the one `now` is in.
    public func hourlyTransferCounts(recipient: String, hours: Int, now: Date) async throws -> HourlyCounts {
        let current = LogTallies.hour(of: now)
        let counts = try await store.transferCounts(recipient: recipient, hours: (current - hours)...current)
        return HourlyCounts(
            current: counts[current] ?? 0,
            previous: (0..<hours).map { counts[current - hours + $0] ?? 0 })
    }
}
