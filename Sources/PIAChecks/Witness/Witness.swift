import Foundation

/// A C2SP tlog-witness: cosigns a log's checkpoint only when it is signed
/// by the log's key and a consistency proof shows it extends the last
/// checkpoint this witness cosigned for that log.
///
/// It is meant to run apart from the bridge (a reviewer's office), with its
/// own key and store, so the bridge operator cannot show two histories
/// without a witness refusing one of them.
public struct Witness: Sendable {
    public let cosigner: Cosigner
    /// The logs this witness follows, by origin.
    public let logs: [String: TreeHeadVerifier]
    public let store: WitnessStore
    let now: @Sendable () -> Date

    public init(cosigner: Cosigner, logs: [TreeHeadVerifier], store: WitnessStore, now: @escaping @Sendable () -> Date = Date.init) {
        self.cosigner = cosigner
        self.logs = Dictionary(logs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.store = store
        self.now = now
    }

    /// Handles one `add-checkpoint` body: the cosignature line(s) to return,
    /// or the refusal with its HTTP status.
    public func addCheckpoint(_ body: String) async throws -> String {
        let request = try AddCheckpointRequest(body: body)
        let note: SignedNote
        let unverified: Checkpoint
        do {
            note = try SignedNote(text: request.checkpoint)
            unverified = try Checkpoint(body: note.body)
        } catch {
            throw WitnessRefusal.badRequest("\(error)")
        }
        guard let verifier = logs[unverified.origin] else { throw WitnessRefusal.unknownOrigin(unverified.origin) }
        let checkpoint: Checkpoint
        do {
            checkpoint = try verifier.verify(noteText: request.checkpoint)
        } catch {
            throw WitnessRefusal.untrustedSignature("\(error)")
        }
        guard request.oldSize <= checkpoint.size else {
            throw WitnessRefusal.badRequest("old size \(request.oldSize) exceeds the checkpoint size \(checkpoint.size)")
        }
        let latest = try await store.latest(origin: checkpoint.origin)
        let latestSize = latest?.size ?? 0
        guard request.oldSize == latestSize else {
            throw WitnessRefusal.conflict(latestSize: latestSize, "old size \(request.oldSize) is not the latest cosigned size")
        }
        try Self.checkConsistency(request, checkpoint: checkpoint, latest: latest)
        let record = WitnessStore.Latest(size: checkpoint.size, root: checkpoint.rootHash, checkpoint: request.checkpoint)
        if latest.map({ $0.size != record.size || $0.root != record.root }) ?? true {
            guard try await store.advance(origin: checkpoint.origin, from: latest, to: record) else {
                let current = try await store.latest(origin: checkpoint.origin)?.size ?? 0
                throw WitnessRefusal.conflict(latestSize: current, "another request advanced this log first")
            }
        }
        return try cosigner.cosign(checkpointBody: note.body, time: now())
    }

    static func checkConsistency(_ request: AddCheckpointRequest, checkpoint: Checkpoint, latest: WitnessStore.Latest?) throws {
        guard let latest, request.oldSize > 0 else {
            guard request.proof.isEmpty else { throw WitnessRefusal.badProof("the proof must be empty from size 0") }
            return
        }
        if request.oldSize == checkpoint.size {
            guard checkpoint.rootHash == latest.root else {
                throw WitnessRefusal.conflict(latestSize: latest.size, "size \(latest.size) was cosigned with another root (fork)")
            }
            guard request.proof.isEmpty else { throw WitnessRefusal.badProof("the proof must be empty for the same size") }
            return
        }
        let proof = ConsistencyProof(oldSize: request.oldSize, newSize: checkpoint.size, hashes: request.proof)
        guard ProofVerifier.verifyConsistency(proof: proof, oldRoot: latest.root, newRoot: checkpoint.rootHash) else {
            throw WitnessRefusal.badProof("size \(checkpoint.size) does not extend the cosigned size \(latest.size)")
        }
    }
}
