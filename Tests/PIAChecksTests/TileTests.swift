import Foundation
import Testing

@testable import PIAChecks

/// Hash tiles, proofs built from them, incremental verification and the
/// tallies kept at append time, on both stores.
@Suite("Hash tiles and incremental verification")
struct TileTests {
    /// Appends `count` entries in batches of uneven sizes (so tiles fill
    /// across batch boundaries) and returns the leaf hashes and bodies.
    static func fill(_ log: TransferLog, _ count: Int) async throws -> (leaves: [Data], bodies: [Data]) {
        var leaves: [Data] = []
        var bodies: [Data] = []
        var next = 0
        let sizes = [1, 2, 254, 3, 300, 97]
        var turn = 0
        while next < count {
            let size = min(sizes[turn % sizes.count], count - next)
            turn += 1
            let stored = try await log.store.append(
                (next..<(next + size)).map { Fixtures.entry($0, decision: $0 % 5 == 0 ? .refused : .transfer) },
                signer: try #require(log.signerForTesting))
            leaves += stored.map(\.leafHash)
            bodies += try stored.map { try #require($0.body) }
            next += size
        }
        return (leaves, bodies)
    }

    @Test("tiles equal an independent recomputation; proofs from tiles verify and match the all-leaves proofs", arguments: StoreKind.allCases)
    func tilesAndProofs(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            let (leaves, bodies) = try await Self.fill(log, 600)
            // Level 0: the leaf hashes, 256 to a tile; level 1: roots of whole 256-leaf blocks.
            for index in 0..<3 {
                let expected = leaves[(index * 256)..<min(600, (index + 1) * 256)].reduce(Data(), +)
                let width = expected.count / 32
                #expect(try await log.tile(level: 0, index: index, width: width == 256 ? nil : width) == expected)
            }
            #expect(try await log.tile(level: 0, index: 2, width: nil) == nil, "a partial tile is not served as full")
            #expect(try await log.tile(level: 0, index: 2, width: 89) == nil, "wider than the signed tree")
            #expect(try await log.tile(level: 0, index: 2, width: 5) == leaves[512..<517].reduce(Data(), +))
            let level1 = MerkleTree.root(leaves[0..<256]) + MerkleTree.root(leaves[256..<512])
            #expect(try await log.tile(level: 1, index: 0, width: 2) == level1)
            #expect(try await log.tile(level: 2, index: 0, width: 1) == nil)

            // Entry bundles: big-endian 16-bit length, then the exact bytes.
            let bundle = try #require(try await log.entryBundle(index: 1, width: nil))
            var offset = 0
            var decoded: [Data] = []
            let bytes = [UInt8](bundle)
            while offset < bytes.count {
                let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
                decoded.append(Data(bytes[(offset + 2)..<(offset + 2 + length)]))
                offset += 2 + length
            }
            #expect(decoded == Array(bodies[256..<512]))
            #expect(try await log.entryBundle(index: 2, width: 88)?.count == bodies[512..<600].reduce(0) { $0 + 2 + $1.count })
            #expect(try await log.entryBundle(index: 2, width: nil) == nil)

            let checkpoint = try log.verifier.verify(noteText: try await log.checkpoint())
            for seq in [0, 1, 255, 256, 257, 511, 512, 598, 599] {
                let bundle = try await log.inclusionProof(seq: seq)
                let hashes = bundle.inclusionPath.compactMap { Data(hex: $0) }
                #expect(hashes == MerkleTree.inclusionPath(index: seq, leaves[...]), "entry \(seq)")
                #expect(
                    ProofVerifier.verifyInclusion(
                        leafHash: leaves[seq], proof: InclusionProof(leafIndex: seq, treeSize: 600, hashes: hashes), root: checkpoint.rootHash))
                _ = try bundle.verify(with: log.verifier)
            }
            for old in [1, 2, 3, 255, 256, 257, 300, 512, 599, 600] {
                let bundle = try await log.consistencyProof(old: old, new: 600)
                #expect(bundle.consistencyPath == MerkleTree.consistencyProof(oldSize: old, leaves[0..<600]).map(\.hex), "size \(old)")
                try bundle.verify(with: log.verifier)
            }
            let middle = try await log.consistencyProof(old: 257, new: 560)
            #expect(middle.consistencyPath == MerkleTree.consistencyProof(oldSize: 257, leaves[0..<560]).map(\.hex))
        }
    }

    @Test("a damaged tile row yields proofs that fail to verify, never a silent pass", arguments: StoreKind.allCases)
    func damagedTile(kind: StoreKind) async throws {
        try await withLog(kind) { log, harness in
            _ = try await Self.fill(log, 40)
            func zeros(_ count: Int) -> String {
                kind == .sqlite ? "x'" + String(repeating: "00", count: count * 32) + "'" : "'\\x" + String(repeating: "00", count: count * 32) + "'"
            }
            // Same length, wrong hashes: the proof is built but does not verify.
            try await harness.tamper("UPDATE log_tiles SET hashes = \(zeros(40)) WHERE level = 0 AND idx = 0")
            let bundle = try await log.inclusionProof(seq: 7)
            #expect(throws: TransferLogError.self) { _ = try bundle.verify(with: log.verifier) }
            // One hash short: proofs that need it and the next append are refused.
            try await harness.tamper("UPDATE log_tiles SET hashes = \(zeros(39)) WHERE level = 0 AND idx = 0")
            await #expect(throws: TransferLogError.corrupt("hash tile tile/0/000 is missing or too short; run verify --full")) {
                _ = try await log.inclusionProof(seq: 0)
            }
            await #expect(throws: (any Error).self) {
                _ = try await log.store.append([Fixtures.entry(41)], signer: try #require(log.signerForTesting))
            }
        }
    }

    @Test("a log written before tiles existed gets them when opened", arguments: [StoreKind.sqlite])
    func backfill(kind: StoreKind) async throws {
        try await withLog(kind) { log, harness in
            let (leaves, _) = try await Self.fill(log, 300)
            try await harness.tamper(
                """
                DELETE FROM log_tiles; DELETE FROM log_hourly; DELETE FROM log_hourly_refusals; \
                DELETE FROM log_hourly_releases; DELETE FROM log_failed_checks; UPDATE log_derived SET size = 0
                """)
            let reopened = TransferLog(store: try await harness.open(), signer: try #require(log.signerForTesting))
            #expect(try await reopened.tile(level: 0, index: 1, width: 44) == leaves[256..<300].reduce(Data(), +))
            #expect(try await reopened.count(filter: LogFilter(failedCheck: "consent.separate")) == 60)
            let tallies = try await reopened.tallies(purpose: nil, from: nil, until: nil)
            #expect(tallies.entries.reduce(0) { $0 + $1.entries } == 300)
            try await reopened.store.close()
        }
    }

    /// SQL that changes the assertion ID inside entry `seq`'s stored body.
    static func editBody(_ kind: StoreKind, seq: Int) -> String {
        let (from, to) = ("'\"_a\(seq)\"'", "'\"_x\(seq)\"'")
        return kind == .sqlite
            ? "UPDATE log_entries SET body = CAST(REPLACE(CAST(body AS TEXT), \(from), \(to)) AS BLOB) WHERE seq = \(seq)"
            : "UPDATE log_entries SET body = convert_to(replace(convert_from(body, 'UTF8'), \(from), \(to)), 'UTF8') WHERE seq = \(seq)"
    }

    @Test("paths follow tlog-tiles and hostile paths are refused")
    func paths() {
        #expect(HashTiles.path(level: 0, index: 1_234_067, width: nil) == "tile/0/x001/x234/067")
        #expect(HashTiles.path(level: 1, index: 5, width: 17) == "tile/1/005.p/17")
        #expect(HashTiles.path(level: nil, index: 1000, width: 256) == "tile/entries/x001/000")
        func parse(_ path: String) -> HashTiles.Request? { HashTiles.parse(path.split(separator: "/", omittingEmptySubsequences: false)) }
        #expect(parse("0/x001/x234/067") == HashTiles.Request(level: 0, index: 1_234_067, width: nil))
        #expect(parse("entries/005.p/255") == HashTiles.Request(level: nil, index: 5, width: 255))
        #expect(parse("2/000.p/1") == HashTiles.Request(level: 2, index: 0, width: 1))
        for hostile in [
            "0/1", "0/0001", "00/000", "0/x000/001", "0/001/002", "0/000.p/0", "0/000.p/256", "0/000.p/01",
            "x/000", "-1/000", "0/", "0/000/", "entries", "0/x001", "0/00a", "64/000", "0/+01", "0/000.p",
        ] {
            #expect(parse(hostile) == nil, "\(hostile)")
        }
    }

    @Test("incremental verify checks only new entries and catches an edit to one; --full catches an old edit", arguments: StoreKind.allCases)
    func incremental(kind: StoreKind) async throws {
        try await withLog(kind) { log, harness in
            for i in 0..<10 { _ = try await log.append(Fixtures.entry(i)) }
            let first = try await log.verifyIncrementally()
            #expect(first.entries == 10)
            #expect(first.entriesChecked == 10)
            for i in 10..<15 { _ = try await log.append(Fixtures.entry(i)) }
            let second = try await log.verifyIncrementally()
            #expect(second.entries == 15)
            #expect(second.entriesChecked == 5)
            #expect(second.rootHash != first.rootHash)
            #expect(try await log.verifyIncrementally().entriesChecked == 0)

            // An edit to an entry appended after the remembered checkpoint.
            for i in 15..<18 { _ = try await log.append(Fixtures.entry(i)) }
            try await harness.tamper(Self.editBody(kind, seq: 16))
            await #expect { try await log.verifyIncrementally() } throws: { error in
                (error as? LogVerificationError)?.entry == 16
            }
            await #expect { try await log.verify() } throws: { error in
                (error as? LogVerificationError)?.entry == 16
            }
        }
        try await withLog(kind) { log, harness in
            for i in 0..<10 { _ = try await log.append(Fixtures.entry(i)) }
            _ = try await log.verifyIncrementally()
            // An edit before the remembered checkpoint is out of an incremental run's reach…
            try await harness.tamper(Self.editBody(kind, seq: 3))
            for i in 10..<12 { _ = try await log.append(Fixtures.entry(i)) }
            #expect(try await log.verifyIncrementally().entriesChecked == 2)
            // …and is what the full run is for.
            await #expect { try await log.verify() } throws: { error in
                (error as? LogVerificationError)?.entry == 3
            }
        }
    }

    @Test("a forged remembered state is ignored and a rollback below it is reported", arguments: StoreKind.allCases)
    func rememberedStateIsChecked(kind: StoreKind) async throws {
        try await withLog(kind) { log, harness in
            for i in 0..<8 { _ = try await log.append(Fixtures.entry(i)) }
            _ = try await log.verifyIncrementally()
            let zeros = kind == .sqlite ? "x'" + String(repeating: "00", count: 32) + "'" : "'\\x" + String(repeating: "00", count: 32) + "'"
            try await harness.tamper("UPDATE log_verified SET frontier = \(zeros), size = 8")
            #expect(try await log.verifyIncrementally().entriesChecked == 8, "starts over from entry 0")

            try await harness.tamper("DELETE FROM log_entries WHERE seq >= 6; DELETE FROM log_tree_heads WHERE size >= 6")
            await #expect { try await log.verifyIncrementally() } throws: { error in
                (error as? LogVerificationError)?.problem.contains("size 8") == true
            }
        }
    }

    @Test("search, counts and tallies come from SQL and agree with the entries", arguments: StoreKind.allCases)
    func indexedReads(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            let t0 = Date(timeIntervalSince1970: 1_790_000_000 - 800)  // on the hour
            for i in 0..<30 {
                _ = try await log.append(
                    Fixtures.entry(
                        i, time: t0.addingTimeInterval(Double(i) * 600), recipient: i % 3 == 0 ? "https://other.example/saml" : Fixtures.recipient,
                        decision: i % 4 == 0 ? .refused : .transfer))
            }
            let refused = LogFilter(decision: .refused)
            #expect(try await log.count(filter: refused) == 8)
            #expect(try await log.store.count(refused) == 8, "SQL and the tallies agree")
            #expect(try await log.count(filter: LogFilter(recipient: Fixtures.recipient, decision: .transfer)) == 15)
            #expect(try await log.store.count(LogFilter(recipient: Fixtures.recipient, decision: .transfer)) == 15)
            #expect(try await log.entries(filter: refused, page: Page(offset: 1, limit: 3), newestFirst: true).map(\.seq) == [24, 20, 16])
            let failedLater = LogFilter(failedCheck: "consent.separate", from: t0.addingTimeInterval(3600))
            #expect(try await log.count(filter: failedLater) == 6)
            #expect(try await log.entries(filter: failedLater, page: Page(offset: 1, limit: 2), newestFirst: true).map(\.seq) == [24, 20])
            #expect(try await log.entries(filter: LogFilter(failedCheck: "consent.separate"), page: Page(limit: 3)).map(\.seq) == [0, 4, 8])
            #expect(try await log.count(filter: LogFilter(failedCheck: "no.such.check")) == 0)
            let bounds = try #require(try await log.timeBounds(filter: LogFilter(recipient: "https://other.example/saml")))
            #expect(bounds.lowerBound == t0)
            #expect(bounds.upperBound == t0.addingTimeInterval(27 * 600))

            let all = try await log.tallies(purpose: nil, from: nil, until: nil)
            #expect(all.entries.reduce(0) { $0 + $1.entries } == 30)
            #expect(all.refusals.filter { $0.check == "consent.separate" }.reduce(0) { $0 + $1.entries } == 8)
            #expect(all.releases.reduce(0) { $0 + $1.entries } == 22 * Fixtures.released.count)
            // Whole hours come from the tallies; a bound inside an hour counts rows, and both agree.
            let aligned = try await log.tallies(purpose: Fixtures.purpose, from: t0.addingTimeInterval(3600), until: t0.addingTimeInterval(3 * 3600))
            #expect(aligned.entries.reduce(0) { $0 + $1.entries } == 12)
            let unaligned = try await log.tallies(
                purpose: Fixtures.purpose, from: t0.addingTimeInterval(3000), until: t0.addingTimeInterval(3 * 3600))
            #expect(unaligned.entries.reduce(0) { $0 + $1.entries } == 13)
        }
    }

    @Test("declines are tallied apart: neither refusals nor releases", arguments: StoreKind.allCases)
    func declinesTallied(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            let t0 = Date(timeIntervalSince1970: 1_790_000_000 - 800)  // on the hour
            for (i, decision) in [TransferDecision.transfer, .declined, .declined, .refused].enumerated() {
                _ = try await log.append(Fixtures.entry(i, time: t0.addingTimeInterval(Double(i)), decision: decision))
            }
            let all = try await log.tallies(purpose: nil, from: nil, until: nil)
            #expect(all.entries.filter { $0.decision == TransferDecision.declined.rawValue }.reduce(0) { $0 + $1.entries } == 2)
            #expect(all.refusals.reduce(0) { $0 + $1.entries } == 1, "only the refused entry counts per failed check")
            #expect(all.releases.reduce(0) { $0 + $1.entries } == Fixtures.released.count, "only the transfer released attributes")
            #expect(try await log.count(filter: LogFilter(decision: .declined)) == 2)
        }
    }
}

extension TileTests {
    @Test("an edited hourly tally fails full verification", arguments: StoreKind.allCases)
    func editedTally(kind: StoreKind) async throws {
        try await withLog(kind) { log, harness in
            let t0 = Date(timeIntervalSince1970: 1_790_000_000 - 800)  // on the hour
            for i in 0..<6 {
                _ = try await log.append(Fixtures.entry(i, time: t0.addingTimeInterval(Double(i)), decision: i % 2 == 0 ? .transfer : .refused))
            }
            #expect(try await log.verify().entries == 6)
            try await harness.tamper("UPDATE log_hourly SET entries = entries - 1 WHERE decision = 'transfer'")
            let error = await #expect(throws: LogVerificationError.self) { try await log.verify() }
            #expect(error?.problem.contains("hourly tally of transfer entries") == true, "\(String(describing: error))")
            #expect(error?.problem.contains("says 2 but 3 are stored") == true, "\(String(describing: error))")
        }
    }
}
