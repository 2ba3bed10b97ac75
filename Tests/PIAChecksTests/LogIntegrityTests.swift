import Foundation
import Testing

@testable import PIAChecks

/// What an insider with write access to the database can try, and how the
/// log notices: every edit below stops appends (so transfers) for good.
@Suite("Transfer log integrity")
struct LogIntegrityTests {
    @Test("deleting the tail together with its checkpoint stops appends, also after a restart", arguments: StoreKind.allCases)
    func tailDeleted(kind: StoreKind) async throws {
        try await withGuardedLog(kind) { log, guarded in
            for i in 0..<20 { _ = try await log.append(Fixtures.entry(i)) }
            try await guarded.rollback(to: 19)
            // The log alone looks fine: that is why the signed size is kept outside it.
            #expect(try await log.verify().entries == 19)
            try await expectRefused(log, naming: "rolled back")
            let restarted = try await guarded.reopen()
            try await expectRefused(restarted, naming: "rolled back")
            try await restarted.store.close()
            #expect(try await log.store.treeHeads().last?.size == 19, "nothing was signed on top of the rollback")
        }
    }

    @Test("rolling back to an earlier size stops appends", arguments: StoreKind.allCases)
    func rolledBack(kind: StoreKind) async throws {
        try await withGuardedLog(kind) { log, guarded in
            for i in 0..<20 { _ = try await log.append(Fixtures.entry(i)) }
            try await guarded.rollback(to: 12)
            let restarted = try await guarded.reopen()
            try await expectRefused(restarted, naming: "20")
            #expect(await restarted.integrityProblem()?.contains("rolled back") == true)
            try await restarted.store.close()
        }
    }

    @Test("a history forged with recomputed hashes is refused before the next append signs over it", arguments: StoreKind.allCases)
    func forgedHistory(kind: StoreKind) async throws {
        try await withGuardedLog(kind) { log, guarded in
            for i in 0..<20 { _ = try await log.append(Fixtures.entry(i)) }
            let signedRoot = try await log.verify().rootHash
            try await guarded.forge(from: 15, count: 5)
            let forged = try await log.store.tail(from: 0).state
            #expect(forged.size == 20)
            #expect(forged.root != signedRoot)
            let restarted = try await guarded.reopen()
            for candidate in [log, restarted] {
                try await expectRefused(candidate, naming: "root")
            }
            try await restarted.store.close()
            // Never two roots for one size: no head beyond the forged point was signed.
            #expect(try await log.store.treeHeads().map(\.size).max() == 15)
        }
    }

    @Test("a stored head with another root for a signed size is a fork", arguments: [StoreKind.sqlite])
    func secondRootForOneSize(kind: StoreKind) async throws {
        try await withGuardedLog(kind) { log, guarded in
            for i in 0..<6 { _ = try await log.append(Fixtures.entry(i)) }
            let other = try await guarded.open()
            let attacker = TransferLog(store: other, signer: try #require(log.signerForTesting))
            _ = try await attacker.append(Fixtures.entry(6))
            // Someone holding the key writes a second size-7 head over another root.
            let fork = try #require(log.signerForTesting).sign(
                Checkpoint(
                    origin: log.verifier.name, size: 7, rootHash: MerkleTree.leafHash(Data("fork".utf8))))
            let current = try #require(try await log.store.treeHeads().last)
            #expect(try await log.store.replaceTreeHead(size: 7, old: current.note, new: fork))
            try await other.close()
            try await expectRefused(log, naming: "forked")
        }
    }

    @Test("two instances with their own signed-checkpoint files share one store", arguments: StoreKind.allCases)
    func twoGuardedInstances(kind: StoreKind) async throws {
        try await withGuardedLog(kind) { first, guarded in
            let second = try await guarded.reopen(stateFile: "second.checkpoint")
            let seqs = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<40 {
                    let log = i % 2 == 0 ? first : second
                    group.addTask { try await log.append(Fixtures.entry(i)).seq }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(seqs.sorted() == Array(0..<40))
            #expect(await first.integrityProblem() == nil)
            #expect(await second.integrityProblem() == nil)
            #expect(try await first.verify().entries == 40)
            try await second.store.close()
        }
    }

    @Test("a missing signed-checkpoint file starts from the verified log; a foreign one is refused")
    func stateFileLifecycle() async throws {
        try await withGuardedLog(.sqlite) { log, guarded in
            for i in 0..<5 { _ = try await log.append(Fixtures.entry(i)) }
            try FileManager.default.removeItem(at: guarded.stateFile.url)
            let restarted = try await guarded.reopen()
            #expect(try await restarted.append(Fixtures.entry(5)).seq == 5)
            let saved = try #require(try guarded.stateFile.load(verifier: log.verifier))
            #expect(saved.tree.size == 6)
            try await restarted.store.close()

            let stranger = try TreeHeadSigner.generate(name: log.verifier.name)
            var tree = CompactRange()
            tree.append(MerkleTree.leafHash(Data("x".utf8)))
            try guarded.stateFile.save(
                .init(
                    checkpoint: try stranger.sign(Checkpoint(origin: stranger.name, size: 1, rootHash: tree.root)), tree: tree))
            let foreign = try await guarded.reopen()
            try await expectRefused(foreign, naming: "signed checkpoint file")
            try await foreign.store.close()
        }
    }

    @Test("a torn write in one slot of the signed-checkpoint file leaves the other, older slot in use")
    func tornSlot() async throws {
        try await withGuardedLog(.sqlite) { log, guarded in
            for i in 0..<3 { _ = try await log.append(Fixtures.entry(i)) }
            // Size 3 sits in slot 1, size 2 in slot 0: tear slot 1.
            let handle = try FileHandle(forWritingTo: guarded.stateFile.url)
            try handle.seek(toOffset: UInt64(SignedTreeStateFile.slotSize) + 10)
            try handle.write(contentsOf: Data("torn".utf8))
            try handle.close()
            #expect(try guarded.stateFile.load(verifier: log.verifier)?.tree.size == 2)
            // A restarted log catches up from size 2 over the stored entry 2 and goes on.
            let restarted = try await guarded.reopen()
            #expect(try await restarted.append(Fixtures.entry(3)).seq == 3)
            #expect(try guarded.stateFile.load(verifier: log.verifier)?.tree.size == 4)
            try await restarted.store.close()
        }
    }

    @Test("editing a searchable column fails verification and names the column", arguments: StoreKind.allCases)
    func columnEdits(kind: StoreKind) async throws {
        let edits = [
            ("UPDATE log_entries SET decision = 'transfer' WHERE seq = 3", "decision"),
            ("UPDATE log_entries SET recipient = 'https://elsewhere.example/sp' WHERE seq = 3", "recipient"),
            ("UPDATE log_entries SET purpose = 'other' WHERE seq = 3", "purpose"),
            ("UPDATE log_entries SET time_ms = time_ms - 7200000 WHERE seq = 3", "time"),
        ]
        for (sql, column) in edits {
            try await withLog(kind) { log, harness in
                for i in 0..<6 { _ = try await log.append(Fixtures.entry(i, decision: i == 3 ? .refused : .transfer)) }
                try await harness.tamper(sql)
                do {
                    _ = try await log.verify()
                    Issue.record("verify passed after \(sql)")
                } catch let error as LogVerificationError {
                    #expect(error.entry == 3)
                    #expect(error.problem.contains("\(column) column"), "\(error)")
                }
            }
        }
    }

    @Test("verification while appends run never reports a false failure", arguments: StoreKind.allCases)
    func verifyUnderLoad(kind: StoreKind) async throws {
        try await withGuardedLog(kind) { log, _ in
            let verifications = try await withThrowingTaskGroup(of: Int.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for i in 0..<60 { _ = try await log.append(Fixtures.entry(writer * 100 + i)) }
                        return 0
                    }
                }
                group.addTask {
                    var runs = 0
                    for _ in 0..<25 {
                        let report = try await log.verify()
                        #expect(report.checkpoint != nil || report.entries == 0)
                        if report.entries > 0 {
                            let proof = try await log.inclusionProof(seq: report.entries / 2)
                            _ = try proof.verify(with: log.verifier)
                        }
                        runs += 1
                    }
                    return runs
                }
                return try await group.reduce(0, +)
            }
            #expect(verifications == 25)
            #expect(try await log.verify().entries == 240)
        }
    }

    @Test("the audit finds an edit in the middle of what was signed, and appends stop", arguments: StoreKind.allCases)
    func auditFindsMiddleEdits(kind: StoreKind) async throws {
        // Each edit leaves the tail and the newest checkpoint alone, so the
        // append guard alone would not notice it.
        let edits: [(name: String, naming: String, edit: @Sendable (GuardedLog) async throws -> Void)] = [
            (
                "column", "entry 100: stored decision column",
                {
                    try await $0.harness.tamper(
                        "UPDATE log_entries SET decision = CASE WHEN decision = 'transfer' THEN 'refused' ELSE 'transfer' END WHERE seq = 100")
                }
            ),
            ("deleted row", "entry 100: missing", { try await $0.harness.tamper("DELETE FROM log_entries WHERE seq = 100") }),
            ("body and leaf hash", "hash tile tile/0/000 position 100", { try await $0.rewrite(seq: 100, tile: false) }),
            ("body, leaf hash and tile", "no longer hash to the signed root of size 300", { try await $0.rewrite(seq: 100, tile: true) }),
            ("tile only", "hash tile tile/0/001 position 4", { try await $0.overwriteTile(index: 1, position: 4, with: Data(count: 32)) }),
        ]
        for (name, naming, edit) in edits {
            try await withGuardedLog(kind) { log, guarded in
                try await Self.fill(log, count: 300)
                #expect(try await log.audit(chunkSize: 256) == 300, "\(name): the untouched log")
                try await edit(guarded)
                do {
                    _ = try await log.audit(chunkSize: 256)
                    Issue.record("\(name): the audit passed")
                } catch let error as TransferLogError {
                    #expect(error.isIntegrityFailure && error.description.contains(naming), "\(name): \(error)")
                }
                await #expect(throws: TransferLogError.self, "\(name): appended after the audit failed") {
                    try await log.append(Fixtures.entry(900))
                }
                #expect(await log.integrityProblem()?.contains(naming) == true, "\(name)")
            }
        }
    }

    @Test("audits while appends run never report a false failure", arguments: StoreKind.allCases)
    func auditUnderLoad(kind: StoreKind) async throws {
        try await withGuardedLog(kind) { log, _ in
            try await Self.fill(log, count: 300)
            let audited = try await withThrowingTaskGroup(of: [Int].self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for i in 0..<50 { _ = try await log.append(Fixtures.entry(1000 + writer * 100 + i)) }
                        return []
                    }
                }
                group.addTask {
                    var sizes: [Int] = []
                    for _ in 0..<10 { sizes.append(try await log.audit(chunkSize: 256)) }
                    return sizes
                }
                return try await group.reduce([], +)
            }
            #expect(audited.count == 10 && audited.allSatisfy { $0 >= 300 })
            #expect(try await log.audit(chunkSize: 256) == 500)
            #expect(await log.integrityProblem() == nil)
        }
    }

    /// Appends `count` entries, 50 at a time concurrently (batches of several entries).
    private static func fill(_ log: TransferLog, count: Int) async throws {
        for start in stride(from: 0, to: count, by: 50) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in start..<min(start + 50, count) {
                    group.addTask { _ = try await log.append(Fixtures.entry(i)) }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Appends are refused with an error naming the problem, and stay refused.
    private func expectRefused(_ log: TransferLog, naming: String) async throws {
        for attempt in 0..<2 {
            do {
                let stored = try await log.append(Fixtures.entry(900 + attempt))
                Issue.record("append \(stored.seq) succeeded on a log that does not extend its signed checkpoint")
            } catch let error as TransferLogError {
                guard case .notExtending(let why) = error else {
                    Issue.record("wrong error: \(error)")
                    return
                }
                #expect(why.contains(naming), "\(why)")
            }
        }
        #expect(await log.integrityProblem() != nil)
    }
}

/// A log with a signed-checkpoint file, and the insider's tools against it.
struct GuardedLog: Sendable {
    let harness: StoreHarness
    let signer: TreeHeadSigner
    let folder: URL
    var stateFile: SignedTreeStateFile { SignedTreeStateFile(url: folder.appendingPathComponent("tree-head.checkpoint")) }

    func open() async throws -> any TransferLogStore { try await harness.open() }

    /// A second process on the same store and, by default, the same file.
    func reopen(stateFile name: String = "tree-head.checkpoint") async throws -> TransferLog {
        TransferLog(
            store: try await harness.open(), signer: signer,
            signedState: SignedTreeStateFile(url: folder.appendingPathComponent(name)))
    }

    /// Deletes every entry from `size` on with its tree heads, and sets the
    /// tree state back, as an insider hiding transfers would.
    func rollback(to size: Int) async throws {
        let store = try await harness.open()
        let leaves = try await store.records(from: 0, limit: size).map(\.leafHash)
        try await store.close()
        let tree = try CompactRange(size: 0, hashes: []).appending(leaves)
        try await harness.tamper(
            "DELETE FROM log_entries WHERE seq >= \(size); DELETE FROM log_tree_heads WHERE size > \(size); "
                + "UPDATE log_state SET size = \(size), frontier = \(blob(tree.serialized)) WHERE id = 1; "
                // A thorough forger rebuilds the derived tables too: emptied, the store refills them from the entries when opened.
                + "DELETE FROM log_tiles; DELETE FROM log_hourly; DELETE FROM log_hourly_refusals; "
                + "DELETE FROM log_hourly_releases; DELETE FROM log_failed_checks; DELETE FROM log_keys; UPDATE log_derived SET size = 0")
        try await harness.open().close()
    }

    /// Replaces entries from `start` on with `count` others, with correct
    /// leaf hashes, roots and tree state, and removes the heads it cannot sign.
    func forge(from start: Int, count: Int) async throws {
        try await rollback(to: start)
        let store = try await harness.open()
        let forger = try TreeHeadSigner.generate(name: signer.name)
        _ = try await store.append((0..<count).map { Fixtures.entry(500 + $0) }, signer: forger)
        try await store.close()
        try await harness.tamper("DELETE FROM log_tree_heads WHERE size > \(start)")
    }

    /// Rewrites entry `seq`'s body with a leaf hash that matches it (and,
    /// with `tile`, its hash in the level-0 tile), as an insider covering an
    /// edit would; the signed root is beyond reach.
    func rewrite(seq: Int, tile: Bool) async throws {
        let store = try await harness.open()
        let record = try #require(try await store.records(from: seq, limit: 1).first)
        try await store.close()
        let body = String(decoding: try #require(record.body), as: UTF8.self)
        let edited = Data(body.replacing(#/"_a\d+"/#, with: "\"_a999\"").utf8)
        #expect(edited != record.body)
        let leaf = MerkleTree.leafHash(edited)
        try await harness.tamper("UPDATE log_entries SET body = \(blob(edited)), leaf_hash = \(blob(leaf)) WHERE seq = \(seq)")
        guard tile else { return }
        // The leaf's tile, and the level-1 hash of that tile when it is full.
        let tileHashes = try await overwriteTile(index: seq / 256, position: seq % 256, with: leaf)
        if tileHashes.count == 256 {
            try await overwriteTile(level: 1, index: seq / 65536, position: seq / 256 % 256, with: MerkleTree.root(tileHashes[...]))
        }
    }

    /// Replaces one hash in a hash tile; returns the tile's hashes after the edit.
    @discardableResult
    func overwriteTile(level: Int = 0, index: Int, position: Int, with hash: Data) async throws -> [Data] {
        let store = try await harness.open()
        let id = TileID(level: level, index: index)
        var hashes = try #require(try await store.tiles([id])[id])
        try await store.close()
        let start = hashes.startIndex + position * 32
        hashes.replaceSubrange(start..<(start + 32), with: hash)
        try await harness.tamper("UPDATE log_tiles SET hashes = \(blob(hashes)) WHERE level = \(level) AND idx = \(index)")
        return stride(from: 0, to: hashes.count, by: 32).map { hashes[(hashes.startIndex + $0)..<(hashes.startIndex + $0 + 32)] }
    }

    private func blob(_ data: Data) -> String {
        harness.kind == .sqlite ? "X'\(data.hex)'" : "'\\x\(data.hex)'::bytea"
    }
}

extension CompactRange {
    func appending(_ leaves: [Data]) -> CompactRange {
        var range = self
        for leaf in leaves { range.append(leaf) }
        return range
    }
}

/// Opens a fresh log with a signed-checkpoint file on `kind`.
func withGuardedLog(_ kind: StoreKind, _ body: (TransferLog, GuardedLog) async throws -> Void) async throws {
    let folder = URL(fileURLWithPath: Fixtures.temporaryPath("guard"))
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = SignedTreeStateFile(url: folder.appendingPathComponent("tree-head.checkpoint"))
    try await withLog(kind, signedState: file) { log, harness in
        try await body(log, GuardedLog(harness: harness, signer: try #require(log.signerForTesting), folder: folder))
    }
}
