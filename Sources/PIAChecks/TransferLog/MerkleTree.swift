import Crypto
import Foundation

/// RFC 9162 §2.1 Merkle tree hashing and proof construction.
///
/// Leaves are `SHA-256(0x00 ‖ entry)`, interior nodes
/// `SHA-256(0x01 ‖ left ‖ right)`; the empty tree hashes to `SHA-256("")`.
public enum MerkleTree {
    public static func leafHash(_ entry: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: entry)
        return hasher.finalize().data
    }

    public static func nodeHash(_ left: Data, _ right: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return hasher.finalize().data
    }

    public static var emptyRoot: Data { SHA256.hash(data: Data()).data }

    /// MTH(D[n]) over leaf hashes.
    public static func root(_ leaves: ArraySlice<Data>) -> Data {
        switch leaves.count {
        case 0: return emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            let k = largestPowerOfTwo(below: leaves.count)
            let split = leaves.startIndex + k
            return nodeHash(root(leaves[leaves.startIndex..<split]), root(leaves[split...]))
        }
    }

    /// PATH(m, D[n]): the audit path for leaf `index`.
    public static func inclusionPath(index: Int, _ leaves: ArraySlice<Data>) -> [Data] {
        guard leaves.count > 1 else { return [] }
        let k = largestPowerOfTwo(below: leaves.count)
        let split = leaves.startIndex + k
        if index < k {
            return inclusionPath(index: index, leaves[leaves.startIndex..<split]) + [root(leaves[split...])]
        }
        return inclusionPath(index: index - k, leaves[split...]) + [root(leaves[leaves.startIndex..<split])]
    }

    /// PROOF(m, D[n]): consistency proof from the first `oldSize` leaves.
    public static func consistencyProof(oldSize: Int, _ leaves: ArraySlice<Data>) -> [Data] {
        guard oldSize > 0, oldSize < leaves.count else { return [] }
        return subproof(oldSize, leaves, complete: true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<Data>, complete: Bool) -> [Data] {
        let n = leaves.count
        if m == n { return complete ? [] : [root(leaves)] }
        let k = largestPowerOfTwo(below: n)
        let split = leaves.startIndex + k
        if m <= k {
            return subproof(m, leaves[leaves.startIndex..<split], complete: complete) + [root(leaves[split...])]
        }
        return subproof(m - k, leaves[split...], complete: false) + [root(leaves[leaves.startIndex..<split])]
    }

    /// Largest power of two strictly less than `n` (n ≥ 2).
    static func largestPowerOfTwo(below n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }
}

/// The right edge of a Merkle tree: one hash per perfect subtree, largest
/// first. Enough to append a leaf and compute the root in O(log n), which
/// lets every append store the root after it and sign a tree head.
public struct CompactRange: Sendable, Hashable {
    public private(set) var size: Int
    public private(set) var hashes: [Data]

    public init() {
        size = 0
        hashes = []
    }

    public init(size: Int, hashes: [Data]) throws {
        guard size >= 0, hashes.count == size.nonzeroBitCount, hashes.allSatisfy({ $0.count == 32 }) else {
            throw TransferLogError.corrupt("stored tree state does not fit a tree of size \(size)")
        }
        self.size = size
        self.hashes = hashes
    }

    public mutating func append(_ leafHash: Data) {
        append(leafHash) { _, _, _ in }
    }

    /// Appends a leaf and hands every node it completes to `completed`
    /// (height, index at that height, hash), the leaf itself first; the
    /// hash tiles are filled from these.
    mutating func append(_ leafHash: Data, completed: (_ height: Int, _ index: Int, _ hash: Data) -> Void) {
        var node = leafHash
        var bits = size
        var height = 0
        completed(0, size, node)
        while bits & 1 == 1 {
            node = MerkleTree.nodeHash(hashes.removeLast(), node)
            bits >>= 1
            height += 1
            completed(height, size >> height, node)
        }
        hashes.append(node)
        size += 1
    }

    public var root: Data {
        guard var result = hashes.last else { return MerkleTree.emptyRoot }
        for hash in hashes.dropLast().reversed() {
            result = MerkleTree.nodeHash(hash, result)
        }
        return result
    }

    /// Concatenated hashes, for storing beside the log.
    public var serialized: Data { hashes.reduce(into: Data()) { $0.append($1) } }

    public init(size: Int, serialized: Data) throws {
        let bytes = [UInt8](serialized)
        guard bytes.count % 32 == 0 else { throw TransferLogError.corrupt("stored tree state has a partial hash") }
        let hashes = stride(from: 0, to: bytes.count, by: 32).map { Data(bytes[$0..<($0 + 32)]) }
        try self.init(size: size, hashes: hashes)
    }
}
