import Foundation
import PIAChecks

/// The transfer log at scale: builds a log of `entries` entries in large
/// batches (the fixture's bulk path; every batch still writes tiles, tallies
/// and a signed tree head), then times what the bridge and the reviewer
/// pages do on it. Prints figures; asserts nothing.
struct LogScaleBench {
    let entries: Int
    let signer: TreeHeadSigner
    let measureSeconds: Double

    static let recipients = ["https://rp.gd.example.cn/saml", "https://tax.gd.example.cn/saml", "https://health.gd.example.cn/saml"]
    static let purposes = ["gd-realname-account", "gd-tax-filing"]
    /// One entry every 0.36 s: a million entries span 100 hours.
    static let spacing: TimeInterval = 0.36
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    static func entry(_ index: Int) -> TransferLogEntry {
        let refused = index % 7 == 3
        return TransferLogEntry(
            time: start.addingTimeInterval(Double(index) * spacing), recipient: recipients[index % 3], purpose: purposes[index % 2],
            legalBasis: "consent",
            attributes: [
                ReleasedAttribute(name: "uid", transforms: ["pairwise"]), ReleasedAttribute(name: "ageOver18", transforms: ["age-over-18"]),
            ],
            checks: [CheckResult(id: "consent.separate", passed: !refused, reason: "synthetic")],
            consentDigest: String(repeating: "0", count: 64), subjectDigest: String(format: "%064x", index),
            assertionID: "_bench-\(index)", decision: refused ? .refused : .transfer)
    }

    func run(store: any TransferLogStore, name: String, emptyStore: any TransferLogStore) async throws {
        let log = TransferLog(store: store, signer: signer)
        let clock = ContinuousClock()

        try await fill(store, to: 1000)
        let volumeAtSmall = try await perCall(100) { try await volumeCheck(log, at: 1000) }
        let built = try await time(clock) { try await fill(store, to: entries) }
        print("\(name): built \(entries) entries in \(format(built)) s")
        if let postgres = store as? PostgresTransferLogStore { try await postgres.vacuumAnalyze() }

        let full = try await time(clock) { _ = try await log.verify() }
        print("\(name): full verify (remembers the checkpoint)     \(format(full * 1000)) ms")
        let checkpointFolder = FileManager.default.temporaryDirectory.appendingPathComponent("fb-bench-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: checkpointFolder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: checkpointFolder) }
        let guarded = TransferLog(
            store: store, signer: signer, signedState: SignedTreeStateFile(url: checkpointFolder.appendingPathComponent("bench.checkpoint")))
        _ = await guarded.integrityProblem()  // starts the checkpoint file from a full verification
        let audit = try await time(clock) { _ = try await guarded.audit() }
        print("\(name): audit pass (rows, columns, tiles, root)   \(format(audit * 1000)) ms")

        var generator = SystemRandomNumberGenerator()
        let inclusion = try await perCall(200) {
            let bundle = try await log.inclusionProof(seq: Int.random(in: 0..<entries, using: &generator))
            _ = try bundle.verify(with: log.verifier)
        }
        let consistency = try await perCall(200) {
            let old = Int.random(in: 1..<entries, using: &generator)
            try await log.consistencyProof(old: old, new: entries).verify(with: log.verifier)
        }
        print("\(name): inclusion proof (from tiles, verified)    \(format(inclusion * 1000)) ms")
        print("\(name): consistency proof (from tiles, verified)  \(format(consistency * 1000)) ms")

        let overview = try await perCall(5) {
            _ = try await log.tallies(purpose: nil, from: nil, until: nil)
            _ = try await log.timeBounds(filter: LogFilter())
            _ = try await log.entries(filter: LogFilter(), page: Page(limit: 10), newestFirst: true)
        }
        let summary = try await perCall(5) {
            _ = try await log.tallies(purpose: Self.purposes[1], from: nil, until: nil)
            _ = try await log.timeBounds(filter: LogFilter(purpose: Self.purposes[1]))
        }
        let searchFilter = LogFilter(recipient: Self.recipients[1], decision: .refused)
        let search = try await perCall(5) {
            _ = try await log.count(filter: searchFilter)
            _ = try await log.entries(filter: searchFilter, page: Page(offset: 50 * 20, limit: 50), newestFirst: true)
        }
        let checkFilter = LogFilter(failedCheck: "consent.separate")
        let searchCheck = try await perCall(5) {
            _ = try await log.count(filter: checkFilter)
            _ = try await log.entries(filter: checkFilter, page: Page(limit: 50), newestFirst: true)
        }
        let dayStart = Date(timeIntervalSince1970: (Self.start.timeIntervalSince1970 / 86_400).rounded(.up) * 86_400)
        let dayFilter = LogFilter(from: dayStart, until: dayStart.addingTimeInterval(86_400))
        let searchDay = try await perCall(5) {
            _ = try await log.count(filter: dayFilter)
            _ = try await log.entries(filter: dayFilter, page: Page(limit: 50), newestFirst: true)
        }
        let entryPage = try await perCall(50) {
            let seq = Int.random(in: 0..<entries, using: &generator)
            _ = try await log.entry(seq: seq)
            _ = try await log.inclusionProof(seq: seq).verify(with: log.verifier)
        }
        print("\(name): overview page data                        \(format(overview * 1000)) ms")
        print("\(name): PIA summary page data                     \(format(summary * 1000)) ms")
        print("\(name): search page data (recipient+refused, p.21) \(format(search * 1000)) ms")
        print("\(name): search page data (failed check, p.1)      \(format(searchCheck * 1000)) ms")
        print("\(name): search page data (one UTC day, p.1)      \(format(searchDay * 1000)) ms")
        print("\(name): entry page data (entry + proof)           \(format(entryPage * 1000)) ms")

        _ = try await log.verifyIncrementally()
        for batch in 0..<10 {
            _ = try await store.append((0..<100).map { Self.entry(entries + batch * 100 + $0) }, signer: signer)
        }
        var checked = 0
        let incremental = try await time(clock) { checked = try await log.verifyIncrementally().entriesChecked }
        print("\(name): incremental verify of \(checked) new entries     \(format(incremental * 1000)) ms")

        let volumeAtLarge = try await perCall(100) { try await volumeCheck(log, at: entries) }
        print("\(name): volume-check read at 1k / \(entries / 1000)k entries    \(format(volumeAtSmall * 1e6)) / \(format(volumeAtLarge * 1e6)) µs")

        // Alternating rounds, best of each, so that neither side gets the quieter moment.
        let emptyLog = TransferLog(store: emptyStore, signer: signer)
        var emptyRate = 0.0
        var fullRate = 0.0
        for _ in 0..<3 {
            emptyRate = max(emptyRate, try await Self.appendRate(emptyLog, writers: 16, seconds: measureSeconds))
            fullRate = max(fullRate, try await Self.appendRate(log, writers: 16, seconds: measureSeconds))
        }
        print("\(name): appends/s (16 writers), empty / at \(entries / 1000)k    \(format(emptyRate)) / \(format(fullRate))")
    }

    /// Appends fixture entries until the log holds `size`.
    private func fill(_ store: any TransferLogStore, to size: Int) async throws {
        var next = try await currentSize(store)
        while next < size {
            let count = min(5000, size - next)
            _ = try await store.append((next..<(next + count)).map(Self.entry), signer: signer)
            next += count
        }
    }

    private func currentSize(_ store: any TransferLogStore) async throws -> Int {
        guard let head = try await store.latestTreeHead() else { return 0 }
        return try Checkpoint(body: try SignedNote(text: head.note).body).size
    }

    /// The volume check's one read, as the evaluator makes it for a sign-in
    /// at the time of the `size`th entry.
    private func volumeCheck(_ log: TransferLog, at size: Int) async throws {
        _ = try await log.hourlyTransferCounts(
            recipient: Self.recipients[0], hours: 24, now: Self.start.addingTimeInterval(Double(size) * Self.spacing))
    }

    /// Durable appends per second from `writers` concurrent tasks.
    static func appendRate(_ log: TransferLog, writers: Int, seconds: Double) async throws -> Double {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started.advanced(by: .milliseconds(Int(seconds * 1000)))
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var done = 0
                    while clock.now < deadline {
                        _ = try await log.append(SampleEntries.entry(task: writer, index: done))
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        return Double(total) / started.duration(to: clock.now).seconds
    }

    private func perCall(_ count: Int, _ body: () async throws -> Void) async throws -> Double {
        try await body()  // warm caches once
        let clock = ContinuousClock()
        let total = try await time(clock) {
            for _ in 0..<count { try await body() }
        }
        return total / Double(count)
    }

    private func time(_ clock: ContinuousClock, _ body: () async throws -> Void) async throws -> Double {
        let started = clock.now
        try await body()
        return started.duration(to: clock.now).seconds
    }

    private func format(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.2f", value)
    }
}
