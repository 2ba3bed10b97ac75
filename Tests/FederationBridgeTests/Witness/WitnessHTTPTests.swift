import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import PIAChecks
import Testing

@testable import FederationBridge

/// `bridge witness` over HTTP, and the bridge's collector talking to it.
@Suite struct WitnessHTTPTests {
    /// A time the test moves by hand, so lag is checked without waiting.
    final class ManualClock: @unchecked Sendable {
        private let lock = NSLock()
        private var current = Date(timeIntervalSince1970: 1_790_000_000)
        var now: Date { lock.withLock { current } }
        func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
    }

    struct Setup {
        let folder: URL
        let logPath: String
        let log: TransferLog
        let signer: TreeHeadSigner
        let witnesses: [Witness]

        static func make(witnessCount: Int = 1) throws -> Setup {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fb-witness-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let signer = try TreeHeadSigner.generate(name: "bridge.test.invalid/transfer-log")
            let logPath = folder.appendingPathComponent("log.sqlite").path
            let log = TransferLog(
                store: try SQLiteTransferLogStore(path: logPath), signer: signer,
                signedState: SignedTreeStateFile(url: folder.appendingPathComponent("tree-head.checkpoint")))
            let witnesses = try (1...witnessCount).map { index in
                Witness(
                    cosigner: try Cosigner.generate(name: "witness.review.test/w\(index)"), logs: [signer.verifier],
                    store: try WitnessStore(path: folder.appendingPathComponent("witness\(index).sqlite").path))
            }
            return Setup(folder: folder, logPath: logPath, log: log, signer: signer, witnesses: witnesses)
        }

        func append(_ count: Int) async throws {
            for index in 0..<count {
                _ = try await log.append(
                    TransferLogEntry(
                        time: Date(), recipient: "https://rp.gd.example.cn/saml", purpose: "gd-realname-account", legalBasis: "consent",
                        attributes: [ReleasedAttribute(name: "uid", transforms: ["pairwise"])],
                        checks: [CheckResult(id: "load", passed: true, reason: "test")], consentDigest: "", subjectDigest: "00",
                        assertionID: "_w\(index)", decision: .transfer))
            }
        }

        func collector(ports: [Int], clock: ManualClock, maxLag: Duration = .seconds(60)) -> WitnessCollector {
            let configured = zip(witnesses, ports).map { witness, port in
                BridgeConfiguration.Witness(url: URL(string: "http://127.0.0.1:\(port)/")!, key: witness.cosigner.verifier)
            }
            return WitnessCollector(
                log: log, witnesses: configured, maxLag: maxLag, metrics: BridgeMetrics(), logger: .init(label: "test.witness"),
                now: { clock.now })
        }
    }

    @Test func theCollectorGathersCosignaturesAndReviewersRequireThem() async throws {
        let setup = try Setup.make()
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        let clock = ManualClock()
        try await WitnessServer.application(witness: setup.witnesses[0], port: 0).test(.live) { client in
            let port = try #require(client.port)
            let collector = setup.collector(ports: [port], clock: clock)
            let quorum = try WitnessQuorum(witnesses: [setup.witnesses[0].cosigner.verifier], required: 1)

            try await setup.append(10)
            await collector.collect()
            #expect(try await setup.log.verify(requiring: quorum).witnessed?.size == 10)
            // Later entries: one request carries a consistency proof from 10.
            try await setup.append(5)
            await collector.collect()
            #expect(try await setup.log.verify(requiring: quorum).witnessed?.size == 15)
            #expect(await collector.lagProblem() == nil)

            // A collector that forgot the witness's size learns it from a 409.
            try await setup.append(1)
            let restarted = setup.collector(ports: [port], clock: clock)
            await restarted.collect()
            #expect(await restarted.cosignedSizes() == ["witness.review.test/w1": 16])
            #expect(try await setup.witnesses[0].store.latest(origin: setup.signer.name)?.size == 16)

            // Roll the log back under the bridge's nose: the witness refuses, the lag grows until /readyz says so.
            let leaves = try await setup.log.store.records(from: 0, limit: 12).map(\.leafHash)
            var rolledBack = CompactRange()
            for leaf in leaves { rolledBack.append(leaf) }
            let frontier = rolledBack.serialized
            let queue = try DatabaseQueue(path: setup.logPath)
            try await queue.write { db in
                try db.execute(sql: "DELETE FROM log_entries WHERE seq >= 12")
                try db.execute(sql: "DELETE FROM log_tree_heads WHERE size > 12")
                try db.execute(sql: "UPDATE log_state SET size = 12, frontier = ? WHERE id = 1", arguments: [frontier])
                try db.execute(sql: TallyRewrite.sql)
            }
            try queue.close()
            let rolledBackCollector = setup.collector(ports: [port], clock: clock)
            await rolledBackCollector.collect()
            #expect(try await setup.witnesses[0].store.latest(origin: setup.signer.name)?.size == 16, "the witness kept its size")
            clock.advance(120)
            let problem = try #require(await rolledBackCollector.lagProblem())
            #expect(problem.contains("witness.review.test/w1") && problem.contains("rolled back"), "\(problem)")
            // A reviewer who asks the witness (log verify --ask-witness) with a read-only log is refused.
            let reviewerStore = try SQLiteTransferLogStore(path: setup.logPath)
            let reviewerLog = TransferLog(store: reviewerStore, verifier: setup.signer.verifier)
            let newest = try #require(try await reviewerLog.latestTreeHead())
            let asked = BridgeConfiguration.Witness(url: URL(string: "http://127.0.0.1:\(port)/")!, key: setup.witnesses[0].cosigner.verifier)
            var witnessSize: Int?
            do {
                _ = try await WitnessClient(witness: asked).cosign(newest, log: reviewerLog, witnessSize: &witnessSize)
                Issue.record("the witness cosigned a rolled-back log")
            } catch {
                #expect("\(error)".contains("has cosigned 16 entries"), "\(error)")
            }
            try await reviewerStore.close()
            // What reviewers can still show as witnessed is the older size 10, not the rolled-back tail.
            let report = try await setup.log.verify(requiring: quorum)
            #expect(report.entries == 12 && report.witnessed?.size == 10)
        }
        try await setup.log.store.close()
    }

    @Test func reviewersConfrontTheWitnessFromTheCommandLine() async throws {
        let setup = try Setup.make()
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        try await setup.append(6)
        let bridge = try MetadataExportTests.bridgeExecutable()
        try await WitnessServer.application(witness: setup.witnesses[0], port: 0).test(.live) { client in
            let port = try #require(client.port)
            let arguments = [
                "log", "verify", "--store", "sqlite:" + setup.logPath, "--public-key", setup.signer.verifier.verifierKey,
                "--witness", setup.witnesses[0].cosigner.verifier.verifierKey, "--ask-witness", "http://127.0.0.1:\(port)/",
            ]
            let first = try ExternalToolTests.run(bridge, arguments)
            #expect(first.status == 0, "\(first.output)")
            #expect(first.output.contains("witness witness.review.test/w1 cosigns checkpoint 6"))

            let queue = try DatabaseQueue(path: setup.logPath)
            try await queue.write { db in
                try db.execute(sql: "DELETE FROM log_entries WHERE seq >= 4")
                try db.execute(sql: "DELETE FROM log_tree_heads WHERE size > 4")
                try db.execute(sql: TallyRewrite.sql)
            }
            try queue.close()
            // The checkpoint verified by the first run is gone: incremental verify names the rollback.
            let incremental = try ExternalToolTests.run(bridge, arguments)
            #expect(incremental.status == 1)
            #expect(incremental.output.contains("the signed tree head of size 6, verified earlier, is no longer stored"), "\(incremental.output)")
            // --full starts from nothing remembered: the witness is what notices.
            let rolledBack = try ExternalToolTests.run(bridge, arguments + ["--full"])
            #expect(rolledBack.status == 1)
            #expect(rolledBack.output.contains("verified 4 entries"))
            #expect(rolledBack.output.contains("witness witness.review.test/w1 refuses checkpoint 4"), "\(rolledBack.output)")
        }
        try await setup.log.store.close()
    }

    @Test func theHTTPInterfaceAnswersAsTheProtocolSays() async throws {
        let setup = try Setup.make()
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        try await setup.append(6)
        let snapshot = try await setup.log.store.snapshot()
        let leaves = snapshot.records.map(\.leafHash)
        @Sendable func body(old: Int, new: Int) -> String {
            AddCheckpointRequest(
                oldSize: old, proof: MerkleTree.consistencyProof(oldSize: old, leaves[0..<new]),
                checkpoint: snapshot.heads.first { $0.size == new }?.note ?? ""
            ).body
        }
        try await WitnessServer.application(witness: setup.witnesses[0], port: 0).test(.router) { client in
            try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: body(old: 0, new: 3))) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).hasPrefix("\u{2014} witness.review.test/w1 "))
            }
            try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: body(old: 0, new: 5))) { response in
                #expect(response.status == .conflict)
                #expect(response.headers[.contentType] == "text/x.tlog.size")
                #expect(String(buffer: response.body) == "3\n")
            }
            var badProof = try AddCheckpointRequest(body: body(old: 3, new: 5))
            badProof.proof[0] = Data(repeating: 1, count: 32)
            try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: badProof.body)) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: "old x\n\n")) { response in
                #expect(response.status == .badRequest)
            }
            let foreign = try TreeHeadSigner.generate(name: "elsewhere.test/log")
            let foreignNote = try foreign.sign(Checkpoint(origin: foreign.name, size: 0, rootHash: MerkleTree.emptyRoot))
            try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: "old 0\n\n" + foreignNote)) { response in
                #expect(response.status == .notFound)
            }
            let impostor = try TreeHeadSigner.generate(name: setup.signer.name)
            let impostorNote = try impostor.sign(Checkpoint(origin: impostor.name, size: 0, rootHash: MerkleTree.emptyRoot))
            try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: "old 0\n\n" + impostorNote)) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: body(old: 3, new: 5))) { response in
                #expect(response.status == .ok)
            }
            let huge = "old 0\n\n" + String(repeating: "x", count: 70 * 1024)
            try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: huge)) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await client.execute(uri: "/add-checkpoint", method: .get) { response in
                #expect(response.status != .ok)
            }
        }
        try await setup.log.store.close()
    }

    @Test func reviewersCanRequireKOfNWitnesses() async throws {
        let setup = try Setup.make(witnessCount: 3)
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        let clock = ManualClock()
        try await setup.append(4)
        try await WitnessServer.application(witness: setup.witnesses[0], port: 0).test(.live) { first in
            try await WitnessServer.application(witness: setup.witnesses[1], port: 0).test(.live) { second in
                // The third witness is configured but never reachable.
                let ports = [try #require(first.port), try #require(second.port), 9]
                let collector = setup.collector(ports: ports, clock: clock)
                await collector.collect()
                let keys = setup.witnesses.map(\.cosigner.verifier)
                let twoOfThree = try await setup.log.verify(requiring: try WitnessQuorum(witnesses: keys, required: 2))
                #expect(twoOfThree.witnessed == WitnessedCheckpoint(size: 4, witnesses: ["witness.review.test/w1", "witness.review.test/w2"]))
                await #expect(throws: LogVerificationError.self) {
                    _ = try await setup.log.verify(requiring: try WitnessQuorum(witnesses: keys, required: 3))
                }
                clock.advance(3600)
                #expect(await collector.lagProblem()?.contains("witness.review.test/w3") == true)
            }
        }
        try await setup.log.store.close()
    }
}
