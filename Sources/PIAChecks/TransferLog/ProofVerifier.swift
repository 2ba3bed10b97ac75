import Foundation

/// An inclusion proof: entry `leafIndex` is in the tree of `treeSize`.
public struct InclusionProof: Sendable, Hashable, Codable {
    public var leafIndex: Int
    public var treeSize: Int
    public var hashes: [Data]

    public init(leafIndex: Int, treeSize: Int, hashes: [Data]) {
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.hashes = hashes
    }
}

/// A consistency proof: the tree of `oldSize` is a prefix of the tree of `newSize`.
public struct ConsistencyProof: Sendable, Hashable, Codable {
    public var oldSize: Int
    public var newSize: Int
    public var hashes: [Data]

    public init(oldSize: Int, newSize: Int, hashes: [Data]) {
        self.oldSize = oldSize
        self.newSize = newSize
        self.hashes = hashes
    }
}

/// RFC 9162 §2.1.3.2 and §2.1.4.2 verification. Needs nothing but hashes:
/// the entry's leaf hash, the proof and the root from a checkpoint.
public enum ProofVerifier {
    public static func verifyInclusion(leafHash: Data, proof: InclusionProof, root: Data) -> Bool {
        guard proof.leafIndex >= 0, proof.leafIndex < proof.treeSize else { return false }
        var fn = proof.leafIndex
        var sn = proof.treeSize - 1
        var r = leafHash
        for p in proof.hashes {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = MerkleTree.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleTree.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    public static func verifyConsistency(proof: ConsistencyProof, oldRoot: Data, newRoot: Data) -> Bool {
        let first = proof.oldSize
        let second = proof.newSize
        guard first >= 0, first <= second else { return false }
        if first == second { return proof.hashes.isEmpty && oldRoot == newRoot }
        if first == 0 { return proof.hashes.isEmpty }
        guard !proof.hashes.isEmpty else { return false }
        var path = proof.hashes
        if first & (first - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = first - 1
        var sn = second - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleTree.nodeHash(c, fr)
                sr = MerkleTree.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleTree.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}
