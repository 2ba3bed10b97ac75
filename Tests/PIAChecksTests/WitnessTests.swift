import Crypto
import Foundation
import Testing

@testable import PIAChecks

/// The witness side of C2SP tlog-witness and the cosignature format of
/// C2SP tlog-cosignature, without HTTP (the HTTP interface is tested in
/// FederationBridgeTests).
@Suite("Witness")
struct WitnessTests {
    /// A log of `count` entries in memory: its leaves and a signed checkpoint per size.
    struct MemoryLog {
        let signer: TreeHeadSigner
        var leaves: [Data] = []

        init(signer: TreeHeadSigner, count: Int, salt: String = "") {
            self.signer = signer
            leaves = (0..<count).map { MerkleTree.leafHash(Data("entry \($0)\(salt)".utf8)) }
        }

        func checkpoint(_ size: Int) throws -> String {
            try signer.sign(Checkpoint(origin: signer.name, size: size, rootHash: MerkleTree.root(leaves[0..<size])))
        }

        func request(old: Int, new: Int) throws -> String {
            AddCheckpointRequest(
                oldSize: old, proof: MerkleTree.consistencyProof(oldSize: old, leaves[0..<new]), checkpoint: try checkpoint(new)
            ).body
        }
    }

    static func witness(logs: [TreeHeadVerifier], name: String = "witness.review.example/w1") throws -> Witness {
        Witness(
            cosigner: try Cosigner.generate(name: name), logs: logs,
            store: try WitnessStore(path: Fixtures.temporaryPath("witness.sqlite")),
            now: { Date(timeIntervalSince1970: 1_790_000_000) })
    }

    static func refusal(_ body: @autoclosure () async throws -> String) async -> WitnessRefusal? {
        do {
            _ = try await body()
            return nil
        } catch let refusal as WitnessRefusal {
            return refusal
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("cosigns checkpoints that extend the last one it cosigned, with a cosignature/v1 line")
    func cosignsExtensions() async throws {
        let log = MemoryLog(signer: try Fixtures.signer(), count: 30)
        let witness = try Self.witness(logs: [log.signer.verifier])
        let first = try await witness.addCheckpoint(try log.request(old: 0, new: 5))
        #expect(first.hasPrefix("\u{2014} witness.review.example/w1 "))
        #expect(first.hasSuffix("\n"))
        for (old, new) in [(5, 12), (12, 12), (12, 16), (16, 30)] {
            let lines = try await witness.addCheckpoint(try log.request(old: old, new: new))
            let note = try SignedNote(text: try log.checkpoint(new)).adding(cosignatureLines: lines)
            #expect(try witness.cosigner.verifier.cosignatureTime(on: note) == Date(timeIntervalSince1970: 1_790_000_000))
            #expect(try log.signer.verifier.verify(noteText: note.text).size == new)
        }
        #expect(try await witness.store.latest(origin: log.signer.name)?.size == 30)
    }

    @Test("refuses a rolled-back or forked checkpoint with the statuses the protocol assigns")
    func refusesInconsistentCheckpoints() async throws {
        let signer = try Fixtures.signer()
        let log = MemoryLog(signer: signer, count: 20)
        let witness = try Self.witness(logs: [signer.verifier])
        _ = try await witness.addCheckpoint(try log.request(old: 0, new: 12))

        // Rolled back: a smaller size from the witnessed one is a bad request; from an older size a conflict.
        #expect(await Self.refusal(try await witness.addCheckpoint(try log.request(old: 12, new: 10)))?.status == 400)
        let stale = await Self.refusal(try await witness.addCheckpoint(try log.request(old: 5, new: 10)))
        #expect(stale == .conflict(latestSize: 12, "old size 5 is not the latest cosigned size"))

        // Forked: the same key signs another history (entries 8… differ).
        var forked = log
        forked.leaves.replaceSubrange(8..., with: MemoryLog(signer: signer, count: 20, salt: "fork").leaves[8...])
        let sameSize = await Self.refusal(try await witness.addCheckpoint(try forked.request(old: 12, new: 12)))
        #expect(sameSize?.status == 409)
        let proofFromFork = AddCheckpointRequest(
            oldSize: 12, proof: MerkleTree.consistencyProof(oldSize: 12, forked.leaves[0..<20]), checkpoint: try forked.checkpoint(20))
        #expect(await Self.refusal(try await witness.addCheckpoint(proofFromFork.body))?.status == 422)
        #expect(try await witness.store.latest(origin: signer.name)?.size == 12, "refusals leave the record alone")
        // The genuine history still goes on.
        _ = try await witness.addCheckpoint(try log.request(old: 12, new: 20))
    }

    @Test("unknown origins, untrusted keys and malformed requests are refused")
    func refusesBadRequests() async throws {
        let signer = try Fixtures.signer()
        let log = MemoryLog(signer: signer, count: 4)
        let witness = try Self.witness(logs: [signer.verifier])
        let stranger = MemoryLog(signer: try TreeHeadSigner.generate(name: "other.example/log"), count: 4)
        #expect(await Self.refusal(try await witness.addCheckpoint(try stranger.request(old: 0, new: 4)))?.status == 404)
        let impostor = MemoryLog(signer: try TreeHeadSigner.generate(name: signer.name), count: 4)
        #expect(await Self.refusal(try await witness.addCheckpoint(try impostor.request(old: 0, new: 4)))?.status == 403)
        let checkpoint = try log.checkpoint(4)
        let tooLong = "old 2\n" + String(repeating: Data(count: 32).base64EncodedString() + "\n", count: 64) + "\n" + checkpoint
        for body in [
            "", "old 01\n\n" + checkpoint, "old -1\n\n" + checkpoint, "new 0\n\n" + checkpoint, "old 0\nAAAA\n\n" + checkpoint,
            "old 0\n\nnot a note\n", tooLong,
        ] {
            #expect(await Self.refusal(try await witness.addCheckpoint(body))?.status == 400, "\(body.prefix(30))")
        }
        // A proof from size 0 must be empty.
        let nonEmpty = AddCheckpointRequest(oldSize: 0, proof: [Data(count: 32)], checkpoint: checkpoint).body
        #expect(await Self.refusal(try await witness.addCheckpoint(nonEmpty))?.status == 422)
    }

    @Test("two requests racing from the same size: one is cosigned, the other gets 409 with the new size")
    func racingRequests() async throws {
        let log = MemoryLog(signer: try Fixtures.signer(), count: 40)
        let witness = try Self.witness(logs: [log.signer.verifier])
        _ = try await witness.addCheckpoint(try log.request(old: 0, new: 10))
        let bodies = try (11...30).map { try log.request(old: 10, new: $0) }
        let outcomes = await withTaskGroup(of: Int.self) { group in
            for body in bodies {
                group.addTask {
                    do {
                        _ = try await witness.addCheckpoint(body)
                        return 200
                    } catch {
                        return (error as? WitnessRefusal)?.status ?? 500
                    }
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == 200 }.count == 1)
        #expect(outcomes.filter { $0 == 409 }.count == bodies.count - 1)
    }

    @Test("K of N witnesses: a quorum is found, a smaller set is not, a forged cosignature is reported")
    func quorum() async throws {
        let log = MemoryLog(signer: try Fixtures.signer(), count: 8)
        let witnesses = try (1...3).map { try Self.witness(logs: [log.signer.verifier], name: "w\($0).review.example") }
        var note = try SignedNote(text: try log.checkpoint(8))
        for witness in witnesses.prefix(2) {
            note = try note.adding(cosignatureLines: try await witness.addCheckpoint(try log.request(old: 0, new: 8)))
        }
        let heads = [StoredTreeHead(size: 4, note: try log.checkpoint(4)), StoredTreeHead(size: 8, note: note.text)]
        let keys = witnesses.map(\.cosigner.verifier)
        #expect(
            try WitnessQuorum(witnesses: keys, required: 2).newestWitnessed(heads)
                == WitnessedCheckpoint(size: 8, witnesses: ["w1.review.example", "w2.review.example"]))
        #expect(throws: LogVerificationError.self) { try WitnessQuorum(witnesses: keys, required: 3).newestWitnessed(heads) }
        #expect(throws: TransferLogError.self) { try WitnessQuorum(witnesses: keys, required: 4) }

        // A line by witness 3's key that does not verify rejects the note.
        let forged = "\u{2014} w3.review.example \((keys[2].keyID + Data(count: 72)).base64EncodedString())\n"
        let tampered = [StoredTreeHead(size: 8, note: note.text + forged)]
        #expect(throws: LogVerificationError.self) { try WitnessQuorum(witnesses: keys, required: 1).newestWitnessed(tampered) }
        // Re-adding a witness's answer replaces its earlier line instead of growing the note.
        let again = try note.adding(cosignatureLines: try await witnesses[0].addCheckpoint(try log.request(old: 8, new: 8)))
        #expect(again.signatures.count == note.signatures.count)
    }

    @Test("cosignatures and key IDs agree with an independent implementation (Python cryptography)")
    func independentCosignature() async throws {
        let log = MemoryLog(signer: try Fixtures.signer(), count: 3)
        let witness = try Self.witness(logs: [log.signer.verifier])
        let line = try await witness.addCheckpoint(try log.request(old: 0, new: 3))
        let body = try SignedNote(text: try log.checkpoint(3)).body
        let key = witness.cosigner.verifier
        let script = """
            import base64, hashlib, json, sys
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey, Ed25519PrivateKey
            from cryptography.hazmat.primitives import serialization
            data = json.loads(sys.stdin.read())
            name, pub = data["name"], bytes.fromhex(data["pub"])
            key_id = hashlib.sha256(name.encode() + b"\\n\\x04" + pub).digest()[:4]
            blob = base64.b64decode(data["line"].split(" ")[2])
            assert blob[:4] == key_id, "key id"
            ts = int.from_bytes(blob[4:12], "big")
            Ed25519PublicKey.from_public_bytes(pub).verify(blob[12:], b"cosignature/v1\\ntime %d\\n" % ts + data["body"].encode())
            other = Ed25519PrivateKey.generate()
            other_pub = other.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            other_id = hashlib.sha256(b"py.example/w\\n\\x04" + other_pub).digest()[:4]
            sig = other.sign(b"cosignature/v1\\ntime 1700000000\\n" + data["body"].encode())
            line = "\\u2014 py.example/w " + base64.b64encode(other_id + (1700000000).to_bytes(8, "big") + sig).decode()
            print(key_id.hex() + " " + "py.example/w+" + other_id.hex() + "+" + base64.b64encode(b"\\x04" + other_pub).decode() + "\\n" + line)
            """
        let input = try JSONSerialization.data(withJSONObject: ["name": key.name, "pub": key.publicKey.hex, "line": line, "body": body])
        let result = try runPython(script, stdin: String(decoding: input, as: UTF8.self))
        #expect(result.status == 0, "\(result.stderr)")
        let output = result.stdout.split(separator: "\n").map(String.init)
        try #require(output.count == 2)
        let first = output[0].split(separator: " ")
        #expect(first.first.map(String.init) == key.keyID.hex)
        let python = try CosignatureVerifier(verifierKey: String(first[1]))
        let note = try SignedNote(text: try log.checkpoint(3)).adding(cosignatureLines: output[1] + "\n")
        #expect(try python.cosignatureTime(on: note) == Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test("witness keys round-trip and reject tree-head keys and bad key IDs")
    func witnessKeys() throws {
        let cosigner = try Cosigner.generate(name: "w.example/1")
        #expect(try Cosigner(signerKey: cosigner.signerKey).verifier == cosigner.verifier)
        #expect(try CosignatureVerifier(verifierKey: cosigner.verifier.verifierKey) == cosigner.verifier)
        let treeHead = try Fixtures.signer()
        #expect(throws: TransferLogError.self) { try CosignatureVerifier(verifierKey: treeHead.verifier.verifierKey) }
        #expect(throws: TransferLogError.self) { try Cosigner(signerKey: try #require(treeHead.signerKey)) }
        let wrongID = cosigner.verifier.verifierKey.replacingOccurrences(of: cosigner.verifier.keyID.hex, with: "00000000")
        #expect(throws: TransferLogError.self) { try CosignatureVerifier(verifierKey: wrongID) }
    }
}
