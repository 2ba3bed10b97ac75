import Foundation
import Testing

@testable import PIAChecks

/// The built `bridge` executable, next to the test bundle in the build products.
func bridgeExecutable() throws -> String {
    var candidates: [URL] = []
    let argument0 = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
    candidates.append(argument0.deletingLastPathComponent())
    candidates.append(Bundle.main.bundleURL)
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        candidates.append(bundle.bundleURL.deletingLastPathComponent())
    }
    for directory in candidates {
        // Inside a macOS .xctest bundle the products directory is further up.
        var url = directory
        for _ in 0..<4 {
            let path = url.appendingPathComponent("bridge").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: path)
            {
                return path
            }
            url.deleteLastPathComponent()
        }
    }
    throw TransferLogError.storeUnavailable("the bridge executable was not found next to the test bundle; build with `swift build --build-tests`")
}

/// Writes a fresh tree-head key pair and returns (signing key file, verifier key).
func writeKeys() throws -> (keyFile: String, publicKey: String) {
    let signer = try Fixtures.signer()
    let path = Fixtures.temporaryPath("tree-head.key")
    try Data(try #require(signer.signerKey).utf8).write(to: URL(fileURLWithPath: path))
    return (path, signer.verifier.verifierKey)
}

@Suite("bridge log command line")
struct CommandLineTests {
    @Test("verify, show, search, export, prove, check-proof and consistency work end to end; tampering is named")
    func reviewerCommands() async throws {
        let bridge = try bridgeExecutable()
        let (keyFile, publicKey) = try writeKeys()
        guard let harness = StoreHarness.make(.sqlite) else { return }
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let store = try await harness.open()
        let log = TransferLog(store: store, signer: try TreeHeadSigner(signerKey: try String(contentsOfFile: keyFile, encoding: .utf8)))
        for i in 0..<10 { _ = try await log.append(Fixtures.entry(i, decision: i == 3 ? .refused : .transfer)) }
        try await store.close()

        let common = ["--store", harness.url, "--public-key", publicKey]
        let verify = try runProcess(bridge, ["log", "verify"] + common)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.hasPrefix("verified 10 entries, root "))

        let show = try runProcess(bridge, ["log", "show", "3"] + common)
        #expect(show.status == 0)
        #expect(show.stdout.contains(#""decision":"refused""#))

        let search = try runProcess(bridge, ["log", "search", "--decision", "refused"] + common)
        #expect(search.stdout.hasPrefix("3\t"))
        #expect(search.stdout.contains("1 entries"))

        let jsonl = try runProcess(bridge, ["log", "export", "--format", "jsonl"] + common)
        let lines = jsonl.stdout.split(separator: "\n")
        #expect(lines.count == 10)
        #expect(MerkleTree.leafHash(Data(lines[4].utf8)) == (try await Self.leafHash(harness, 4)))
        let csv = try runProcess(bridge, ["log", "export", "--format", "csv", "--failed-check", "consent.separate"] + common)
        #expect(csv.stdout.split(separator: "\r\n").count == 2)
        #expect(csv.stdout.hasPrefix("sequence,time,recipient,"))

        let prove = try runProcess(bridge, ["log", "prove", "6"] + common)
        #expect(prove.status == 0, "\(prove.stderr)")
        let proofFile = Fixtures.temporaryPath("proof.json")
        try Data(prove.stdout.utf8).write(to: URL(fileURLWithPath: proofFile))
        // The third party needs only the proof file and the public key: no store.
        let check = try runProcess(bridge, ["log", "check-proof", "--public-key", publicKey, proofFile])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("entry 6 is included"))
        let forged = prove.stdout.replacingOccurrences(of: "\"leafIndex\" : 6", with: "\"leafIndex\" : 5")
        #expect(forged != prove.stdout)
        try Data(forged.utf8).write(to: URL(fileURLWithPath: proofFile))
        #expect(try runProcess(bridge, ["log", "check-proof", "--public-key", publicKey, proofFile]).status != 0)

        let consistency = try runProcess(bridge, ["log", "consistency", "4", "10"] + common + ["--signing-key", keyFile])
        #expect(consistency.status == 0, "\(consistency.stderr)")
        try Data(consistency.stdout.utf8).write(to: URL(fileURLWithPath: proofFile))
        let checkConsistency = try runProcess(bridge, ["log", "check-proof", "--public-key", publicKey, proofFile])
        #expect(checkConsistency.stdout.contains("size 4 is a prefix of the tree of size 10"), "\(checkConsistency.stderr)")
        try? FileManager.default.removeItem(atPath: proofFile)

        try await harness.tamper("UPDATE log_entries SET body = CAST(REPLACE(CAST(body AS TEXT), 'refused', 'transfer') AS BLOB) WHERE seq = 3")
        let tampered = try runProcess(bridge, ["log", "verify", "--full"] + common)
        #expect(tampered.status != 0)
        #expect(tampered.stderr.contains("entry 3"), "\(tampered.stderr)")
        await harness.cleanUp()
    }

    static func leafHash(_ harness: StoreHarness, _ seq: Int) async throws -> Data {
        let store = try await harness.open()
        let record = try #require(try await store.records(from: seq, limit: 1).first)
        try await store.close()
        return record.leafHash
    }

    @Test("verify --witness --require counts valid cosignatures, K of N")
    func witnessQuorum() async throws {
        let bridge = try bridgeExecutable()
        let (keyFile, publicKey) = try writeKeys()
        guard let harness = StoreHarness.make(.sqlite) else { return }
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let store = try await harness.open()
        let signer = try TreeHeadSigner(signerKey: try String(contentsOfFile: keyFile, encoding: .utf8))
        let log = TransferLog(store: store, signer: signer)
        for i in 0..<6 { _ = try await log.append(Fixtures.entry(i)) }
        let witnesses = try (1...3).map { index in
            Witness(
                cosigner: try Cosigner.generate(name: "w\(index).review.example"), logs: [signer.verifier],
                store: try WitnessStore(path: Fixtures.temporaryPath("witness\(index).sqlite")))
        }
        let head = try #require(try await log.latestTreeHead())
        for witness in witnesses.prefix(2) {
            let lines = try await witness.addCheckpoint(AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: head.note).body)
            #expect(try await log.addCosignatures(lines, by: witness.cosigner.verifier, size: head.size))
        }
        _ = try await log.append(Fixtures.entry(6))
        try await store.close()

        let keys = witnesses.flatMap { ["--witness", $0.cosigner.verifier.verifierKey] }
        let common = ["log", "verify", "--store", harness.url, "--public-key", publicKey] + keys
        let twoOfThree = try runProcess(bridge, common + ["--require", "2"])
        #expect(twoOfThree.status == 0, "\(twoOfThree.stderr)")
        #expect(twoOfThree.stdout.contains("checkpoint 6 cosigned by w1.review.example, w2.review.example; 1 newer entries not yet witnessed"))
        let all = try runProcess(bridge, common)
        #expect(all.status == 1)
        #expect(all.stderr.contains("no stored checkpoint is cosigned by 3 of the 3 witnesses"))
        #expect(try runProcess(bridge, common + ["--require", "4"]).status != 0)
    }

    @Test("SIGKILL while appending from many tasks loses no acknowledged entry and the tree verifies")
    func killedWhileAppending() async throws {
        let bridge = try bridgeExecutable()
        let (keyFile, _) = try writeKeys()
        guard let harness = StoreHarness.make(.sqlite) else { return }
        defer { try? FileManager.default.removeItem(atPath: keyFile) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: bridge)
        process.arguments = ["log", "stress-append", "--store", harness.url, "--signing-key", keyFile, "--tasks", "64", "--count", "100000"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()

        var acknowledged: [Int] = []
        var buffer = Data()
        let reader = output.fileHandleForReading
        while acknowledged.count < 1500 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if let seq = Int(line) { acknowledged.append(seq) }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        // Lines already in the pipe were acknowledged too.
        buffer.append(reader.readDataToEndOfFile())
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") {
            if let seq = Int(line) { acknowledged.append(seq) }
        }
        #expect(acknowledged.count >= 1500)

        let store = try await harness.open()
        let log = TransferLog(store: store, signer: try TreeHeadSigner(signerKey: try String(contentsOfFile: keyFile, encoding: .utf8)))
        let report = try await log.verify()
        let stored = Set(try await store.records(from: 0, limit: nil).map(\.seq))
        let lost = Set(acknowledged).subtracting(stored)
        #expect(lost.isEmpty, "acknowledged but lost: \(lost.sorted().prefix(10))")
        #expect(report.entries >= Set(acknowledged).count)
        // The log keeps working after the crash.
        let next = try await log.append(Fixtures.entry(1))
        #expect(next.seq == report.entries)
        #expect(try await log.verify().entries == report.entries + 1)
        try await store.close()
        await harness.cleanUp()
    }
}
