import Foundation

/// Everything a third party needs to check that one entry is in the log:
/// the signed checkpoint, the entry's exact bytes and the audit path.
///
/// Serialised as JSON; hashes are lower-case hex, the entry base64 of the
/// exact bytes that were hashed.
public struct InclusionProofBundle: Sendable, Hashable, Codable {
    public var checkpoint: String
    public var entry: String
    public var leafIndex: Int
    public var treeSize: Int
    public var inclusionPath: [String]

    public init(checkpoint: String, entry: Data, proof: InclusionProof) {
        self.checkpoint = checkpoint
        self.entry = entry.base64EncodedString()
        self.leafIndex = proof.leafIndex
        self.treeSize = proof.treeSize
        self.inclusionPath = proof.hashes.map(\.hex)
    }

    /// Checks the signature, then the path from the entry to the signed root.
    public func verify(with verifier: TreeHeadVerifier) throws -> Checkpoint {
        let signed = try verifier.verify(noteText: checkpoint)
        guard signed.size == treeSize else { throw TransferLogError.badProof("proof is for size \(treeSize), checkpoint is \(signed.size)") }
        guard let body = Data(base64Encoded: entry) else { throw TransferLogError.badProof("entry is not base64") }
        let hashes = try inclusionPath.map { hex -> Data in
            guard let hash = Data(hex: hex), hash.count == 32 else { throw TransferLogError.badProof("path hash is not 32 bytes of hex") }
            return hash
        }
        let proof = InclusionProof(leafIndex: leafIndex, treeSize: treeSize, hashes: hashes)
        guard ProofVerifier.verifyInclusion(leafHash: MerkleTree.leafHash(body), proof: proof, root: signed.rootHash) else {
            throw TransferLogError.badProof("entry \(leafIndex) is not in the tree of size \(treeSize)")
        }
        return signed
    }

    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// Proof that the log of `oldSize` is a prefix of the log of `newSize`.
public struct ConsistencyProofBundle: Sendable, Hashable, Codable {
    public var oldCheckpoint: String
    public var newCheckpoint: String
    public var oldSize: Int
    public var newSize: Int
    public var consistencyPath: [String]

    public func verify(with verifier: TreeHeadVerifier) throws {
        let old = try verifier.verify(noteText: oldCheckpoint)
        let new = try verifier.verify(noteText: newCheckpoint)
        guard old.size == oldSize, new.size == newSize else { throw TransferLogError.badProof("sizes do not match the checkpoints") }
        let proof = ConsistencyProof(oldSize: oldSize, newSize: newSize, hashes: try pathHashes())
        guard ProofVerifier.verifyConsistency(proof: proof, oldRoot: old.rootHash, newRoot: new.rootHash) else {
            throw TransferLogError.badProof("tree of size \(oldSize) is not a prefix of the tree of size \(newSize)")
        }
    }

    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension ConsistencyProofBundle {
    /// The consistency path as hashes.
    public func pathHashes() throws -> [Data] {
        try consistencyPath.map { hex -> Data in
            guard let hash = Data(hex: hex), hash.count == 32 else { throw TransferLogError.badProof("path hash is not 32 bytes of hex") }
            return hash
        }
    }
}
