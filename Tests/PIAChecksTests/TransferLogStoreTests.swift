import Foundation
import Testing

@testable import PIAChecks

/// The same suite against SQLite and a real PostgreSQL server.
@Suite("Transfer log stores")
struct TransferLogStoreTests {
    @Test("appends get contiguous sequence numbers and read back exactly", arguments: StoreKind.allCases)
    func appendAndRead(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            var stored: [SequencedEntry] = []
            for i in 0..<12 {
                stored.append(try await log.append(Fixtures.entry(i, decision: i % 3 == 0 ? .refused : .transfer)))
            }
            #expect(stored.map(\.seq) == Array(0..<12))
            for item in stored {
                let read = try await log.entry(seq: item.seq)
                #expect(read.entry == item.entry)
                #expect(read.body == item.body)
                #expect(read.leafHash == MerkleTree.leafHash(try #require(item.body)))
            }
            let report = try await log.verify()
            #expect(report.entries == 12)
            #expect(report.rootHash == MerkleTree.root(stored.map(\.leafHash)[...]))
            #expect(report.treeHeadsChecked == 12)
            #expect(report.summary == "verified 12 entries, root \(report.rootHash.hex)")
            let checkpoint = try log.verifier.verify(noteText: try await log.checkpoint())
            #expect(checkpoint.size == 12)
            #expect(checkpoint.rootHash == report.rootHash)
            await #expect(throws: TransferLogError.self) { try await log.entry(seq: 12) }
        }
    }

    @Test("entries are canonical JSON with sorted keys, no whitespace and no raw personal data", arguments: [StoreKind.sqlite])
    func canonicalJSON(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            let stored = try await log.append(Fixtures.entry(1, time: Date(timeIntervalSince1970: 1_790_000_000.123)))
            let text = String(decoding: try #require(stored.body), as: UTF8.self)
            #expect(text.hasPrefix(#"{"assertionID":"_a1","attributes":[{"name":"uid","transforms":["pairwise-id"]}"#))
            #expect(text.contains(#""seq":0,"subjectDigest":""#))
            #expect(text.contains(#""time":"2026-09-21T14:13:20.123Z""#))
            #expect(!text.contains(" \""))
            #expect(!text.contains("\n"))
            #expect(!text.contains("pairwise-1\""))
            let body = try #require(stored.body)
            let object = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            let keys = try #require(object).keys.sorted()
            #expect(
                keys == [
                    "assertionID", "attributes", "checks", "consentDigest", "decision", "legalBasis", "purpose",
                    "recipient", "seq", "subjectDigest", "time", "version",
                ])
        }
    }

    @Test("concurrent appends are grouped into fewer commits and all land once", arguments: StoreKind.allCases)
    func groupCommit(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            let seqs = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<200 {
                    group.addTask { try await log.append(Fixtures.entry(i)).seq }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(seqs.sorted() == Array(0..<200))
            let heads = try await log.store.treeHeads()
            #expect(heads.count < 200, "every append committed alone: no group commit")
            #expect(heads.last?.size == 200)
            #expect(try await log.verify().entries == 200)
        }
    }

    @Test("two instances sharing one store keep one sequence", arguments: StoreKind.allCases)
    func twoInstances(kind: StoreKind) async throws {
        try await withLog(kind) { first, harness in
            let secondStore = try await harness.open()
            // Instances share the tree-head key, as a deployment does.
            let second = TransferLog(store: secondStore, signer: try #require(first.signerForTesting))
            let seqs = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<60 {
                    let log = i % 2 == 0 ? first : second
                    group.addTask { try await log.append(Fixtures.entry(i)).seq }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            try await secondStore.close()
            #expect(seqs.sorted() == Array(0..<60))
            #expect(try await first.verify().entries == 60)
        }
    }

    @Test("a log opened with another key refuses the signed tree heads", arguments: [StoreKind.sqlite])
    func wrongKey(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            for i in 0..<3 { _ = try await log.append(Fixtures.entry(i)) }
            let stranger = TransferLog(store: log.store, verifier: try Fixtures.signer().verifier)
            await #expect(throws: LogVerificationError.self) { try await stranger.verify() }
            await #expect(throws: TransferLogError.self) { try await stranger.append(Fixtures.entry(9)) }
        }
    }

    @Test("inclusion and consistency proofs verify, also by an independent implementation", arguments: StoreKind.allCases)
    func proofs(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            for i in 0..<9 { _ = try await log.append(Fixtures.entry(i)) }
            let early = try await log.consistencyProof(old: 4, new: 9)
            try early.verify(with: log.verifier)
            for i in 9..<23 { _ = try await log.append(Fixtures.entry(i)) }
            for seq in [0, 1, 8, 15, 22] {
                let bundle = try await log.inclusionProof(seq: seq)
                let checkpoint = try bundle.verify(with: log.verifier)
                #expect(checkpoint.size == 23)
                var forged = bundle
                forged.leafIndex = (seq + 1) % 23
                #expect(throws: TransferLogError.self) { try forged.verify(with: log.verifier) }
            }
            let bundle = try await log.inclusionProof(seq: 13)
            let json = try bundle.jsonText()
            let python = try runPython(pythonMerkle, stdin: #"{"proof": "# + json + "}")
            #expect(python.status == 0, "\(python.stderr)")
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(python.stdout.utf8)) as? [String: Any])
            #expect(answer["included"] as? Bool == true)
            #expect(answer["size"] as? Int == 23)
            #expect(answer["leaf"] as? String == (try await log.entry(seq: 13)).leafHash.hex)

            for (old, new) in [(1, 23), (4, 9), (9, 23), (16, 23), (23, 23), (0, 5)] {
                let proof = try await log.consistencyProof(old: old, new: new)
                try proof.verify(with: log.verifier)
            }
            await #expect(throws: TransferLogError.self) { try await log.consistencyProof(old: 5, new: 24) }
            await #expect(throws: TransferLogError.self) { try await log.inclusionProof(seq: 23) }
        }
    }

    @Test("redaction removes bodies, keeps leaf hashes, and proofs still verify", arguments: StoreKind.allCases)
    func redaction(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            let old = Date().addingTimeInterval(-400 * 86_400)
            for i in 0..<5 { _ = try await log.append(Fixtures.entry(i, time: old)) }
            for i in 5..<10 { _ = try await log.append(Fixtures.entry(i)) }
            let before = try await log.inclusionProof(seq: 2)
            let rootBefore = try await log.verify().rootHash
            #expect(try await log.redact(olderThan: Date().addingTimeInterval(-365 * 86_400)) == 5)
            let report = try await log.verify()
            #expect(report.rootHash == rootBefore)
            #expect(report.redactedEntries == 5)
            let redacted = try await log.entry(seq: 2)
            #expect(redacted.body == nil && redacted.entry == nil)
            _ = try before.verify(with: log.verifier)
            _ = try (try await log.inclusionProof(seq: 7)).verify(with: log.verifier)
            #expect(try await log.redact(olderThan: Date().addingTimeInterval(-365 * 86_400)) == 0)
        }
    }

    @Test("search filters by recipient, purpose, decision, failed check and time", arguments: StoreKind.allCases)
    func search(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            for i in 0..<10 {
                _ = try await log.append(
                    Fixtures.entry(
                        i, time: t0.addingTimeInterval(Double(i) * 60),
                        recipient: i < 6 ? Fixtures.recipient : "https://other.example/saml",
                        decision: i % 2 == 0 ? .transfer : .refused))
            }
            #expect(try await log.entries(filter: LogFilter(recipient: Fixtures.recipient)).map(\.seq) == Array(0..<6))
            #expect(try await log.entries(filter: LogFilter(decision: .refused)).map(\.seq) == [1, 3, 5, 7, 9])
            #expect(try await log.entries(filter: LogFilter(failedCheck: "consent.separate")).map(\.seq) == [1, 3, 5, 7, 9])
            #expect(try await log.entries(filter: LogFilter(failedCheck: "recipient.registered")).isEmpty)
            #expect(try await log.entries(filter: LogFilter(purpose: "other")).isEmpty)
            let window = LogFilter(from: t0.addingTimeInterval(120), until: t0.addingTimeInterval(300))
            #expect(try await log.entries(filter: window).map(\.seq) == [2, 3, 4])
            #expect(try await log.entries(filter: LogFilter(), page: Page(offset: 4, limit: 3)).map(\.seq) == [4, 5, 6])
        }
    }

    @Test("a time window read newest first pages by time, also when entries arrived out of time order", arguments: StoreKind.allCases)
    func searchWindowByTime(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            // Two instances: each append is stamped a little before it lands,
            // so sequence and time disagree for neighbours.
            let minutes = [0, 2, 1, 3, 5, 4, 6, 8, 7, 9]
            for (i, minute) in minutes.enumerated() {
                _ = try await log.append(Fixtures.entry(i, time: t0.addingTimeInterval(Double(minute) * 60)))
            }
            let window = LogFilter(from: t0.addingTimeInterval(60), until: t0.addingTimeInterval(9 * 60))
            var pages: [[Int]] = []
            for offset in stride(from: 0, to: 9, by: 3) {
                pages.append(try await log.entries(filter: window, page: Page(offset: offset, limit: 3), newestFirst: true).map(\.seq))
            }
            // Minutes 8…1 newest first; seq of minute m is minutes.firstIndex(of: m).
            #expect(pages == [[7, 8, 6], [4, 5, 3], [1, 2]])
            // In sequence order when not newest first (exports), and without a window.
            #expect(try await log.entries(filter: window).map(\.seq) == Array(1...8))
            #expect(try await log.entries(filter: LogFilter(), page: Page(limit: 3), newestFirst: true).map(\.seq) == [9, 8, 7])
        }
    }

    @Test("subject digests and assertion IDs find their entries through the key index", arguments: StoreKind.allCases)
    func searchByKey(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            for i in 0..<6 {
                // Entries 0, 2 and 4 are about one subject.
                var entry = Fixtures.entry(i % 2 == 0 ? 100 : i, time: t0.addingTimeInterval(Double(i) * 60))
                entry.assertionID = "_a\(i)"
                _ = try await log.append(entry)
            }
            let subject = Fixtures.entry(100).subjectDigest
            #expect(try await log.entries(filter: LogFilter(subjectDigest: subject)).map(\.seq) == [0, 2, 4])
            #expect(try await log.count(filter: LogFilter(subjectDigest: subject)) == 3)
            #expect(try await log.entries(filter: LogFilter(subjectDigest: subject), newestFirst: true).map(\.seq) == [4, 2, 0])
            #expect(
                try await log.entries(filter: LogFilter(recipient: Fixtures.recipient, subjectDigest: subject, assertionID: "_a2")).map(\.seq) == [2])
            #expect(try await log.entries(filter: LogFilter(assertionID: "_a3")).map(\.seq) == [3])
            #expect(try await log.count(filter: LogFilter(assertionID: "_nope")) == 0)
            #expect(try await log.entries(filter: LogFilter(subjectDigest: "'; DROP TABLE log_keys; --")).isEmpty)
        }
    }

    @Test("a log written before the key index existed gets it when opened", arguments: StoreKind.allCases)
    func keyIndexBackfill(kind: StoreKind) async throws {
        try await withLog(kind) { log, harness in
            for i in 0..<4 { _ = try await log.append(Fixtures.entry(i % 2 == 0 ? 100 : i)) }
            try await harness.tamper("DELETE FROM log_keys")
            let reopened = TransferLog(store: try await harness.open(), verifier: log.verifier)
            let subject = Fixtures.entry(100).subjectDigest
            #expect(try await reopened.entries(filter: LogFilter(subjectDigest: subject)).map(\.seq) == [0, 2])
            #expect(try await reopened.entries(filter: LogFilter(assertionID: "_a1")).map(\.seq) == [1])
            try await reopened.store.close()
        }
    }

    @Test("hourly transfer counts (counters kept at append) feed the volume check", arguments: StoreKind.allCases)
    func hourlyCounts(kind: StoreKind) async throws {
        try await withLog(kind) { log, _ in
            let now = Date(timeIntervalSince1970: 1_790_000_000)
            let ages: [Double] = [10, 20, 3000, 3700, 3800, 7300, 4 * 3600 + 10, 9 * 3600]
            for (i, age) in ages.enumerated() {
                _ = try await log.append(Fixtures.entry(i, time: now.addingTimeInterval(-age)))
            }
            _ = try await log.append(Fixtures.entry(99, time: now.addingTimeInterval(-5), decision: .refused))
            _ = try await log.append(Fixtures.entry(98, time: now.addingTimeInterval(-5), recipient: "https://other.example/saml"))
            // UTC clock hours: `now` is 800 s into its hour.
            let counts = try await log.hourlyTransferCounts(recipient: Fixtures.recipient, hours: 4, now: now)
            #expect(counts.current == 2)
            #expect(counts.previous == [1, 0, 1, 3])
            let verdict = await PIAEvaluator(policy: try Fixtures.policy()).evaluate(Fixtures.request(), log: log)
            #expect(verdict.results.first { $0.id == "volume" }?.passed == true)
        }
    }

    @Test("editing, deleting or reordering one row makes verify fail and name the entry", arguments: StoreKind.allCases)
    func tamperingIsNamed(kind: StoreKind) async throws {
        let cases: [(String, String)] = [
            (
                "UPDATE log_entries SET recipient = 'x', body = CAST(REPLACE(CAST(body AS TEXT), '\"_a4\"', '\"_a9\"') AS BLOB) WHERE seq = 4",
                "entry 4"
            ),
            ("DELETE FROM log_entries WHERE seq = 4", "entry 4"),
            (
                "UPDATE log_entries SET seq = -1 WHERE seq = 4; UPDATE log_entries SET seq = 4 WHERE seq = 5; UPDATE log_entries SET seq = 5 WHERE seq = -1",
                "entry 4"
            ),
            ("DELETE FROM log_entries WHERE seq = 7", "entry 7"),
            ("UPDATE log_tree_heads SET note = REPLACE(note, 'test', 'tEst') WHERE size = 3", "size 3"),
        ]
        for (sql, named) in cases {
            try await withLog(kind) { log, harness in
                for i in 0..<8 { _ = try await log.append(Fixtures.entry(i)) }
                _ = try await log.verify()
                try await harness.tamper(kind == .postgres ? Self.postgresSQL(sql) : sql)
                do {
                    _ = try await log.verify()
                    Issue.record("verify passed after: \(sql)")
                } catch let error as LogVerificationError {
                    #expect(error.description.contains(named), "\(sql) → \(error)")
                }
            }
        }
    }

    static func postgresSQL(_ sql: String) -> String {
        sql.replacingOccurrences(
            of: "CAST(REPLACE(CAST(body AS TEXT), '\"_a4\"', '\"_a9\"') AS BLOB)",
            with: "convert_to(replace(convert_from(body, 'UTF8'), '\"_a4\"', '\"_a9\"'), 'UTF8')")
    }
}
