import Foundation
import Testing

@testable import PIAChecks

/// RFC 9162 / RFC 6962 reference tree: these leaves and roots are the test
/// vectors used by the Certificate Transparency implementations.
enum ReferenceTree {
    static let leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
        .map { Data(hex: $0) ?? Data() }
    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
}

/// An independent RFC 9162 implementation in Python, used as an oracle.
let pythonMerkle = #"""
    import hashlib, json, sys
    def leaf(d): return hashlib.sha256(b"\x00" + d).digest()
    def node(l, r): return hashlib.sha256(b"\x01" + l + r).digest()
    def mth(hs):
        if len(hs) == 0: return hashlib.sha256(b"").digest()
        if len(hs) == 1: return hs[0]
        k = 1
        while k * 2 < len(hs): k *= 2
        return node(mth(hs[:k]), mth(hs[k:]))
    def verify_inclusion(index, size, h, path, root):
        if index >= size: return False
        fn, sn, r = index, size - 1, h
        for p in path:
            if sn == 0: return False
            if fn & 1 or fn == sn:
                r = node(p, r)
                while not (fn & 1) and fn != 0:
                    fn >>= 1; sn >>= 1
            else:
                r = node(r, p)
            fn >>= 1; sn >>= 1
        return sn == 0 and r == root
    req = json.load(sys.stdin)
    out = {}
    if "leaves" in req:
        hs = [leaf(bytes.fromhex(x)) for x in req["leaves"]]
        out["roots"] = [mth(hs[:n]).hex() for n in range(1, len(hs) + 1)]
    if "proof" in req:
        import base64
        p = req["proof"]
        body = base64.b64decode(p["entry"])
        lines = p["checkpoint"].split("\n")
        root = base64.b64decode(lines[2])
        out["leaf"] = leaf(body).hex()
        out["size"] = int(lines[1])
        out["included"] = verify_inclusion(p["leafIndex"], p["treeSize"], leaf(body), [bytes.fromhex(x) for x in p["inclusionPath"]], root)
    print(json.dumps(out))
    """#

@Suite("Merkle tree")
struct MerkleTests {
    @Test("roots match the RFC 9162 reference tree")
    func referenceRoots() {
        let hashes = ReferenceTree.leaves.map(MerkleTree.leafHash)
        for size in 1...8 {
            #expect(MerkleTree.root(hashes[0..<size]).hex == ReferenceTree.roots[size - 1], "size \(size)")
        }
        #expect(MerkleTree.root([]).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("reference inclusion and consistency proofs")
    func referenceProofs() throws {
        let hashes = ReferenceTree.leaves.map(MerkleTree.leafHash)
        let path = MerkleTree.inclusionPath(index: 5, hashes[...])
        #expect(
            path.map(\.hex) == [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ])
        let root8 = try #require(Data(hex: ReferenceTree.roots[7]))
        #expect(ProofVerifier.verifyInclusion(leafHash: hashes[5], proof: InclusionProof(leafIndex: 5, treeSize: 8, hashes: path), root: root8))
        #expect(!ProofVerifier.verifyInclusion(leafHash: hashes[5], proof: InclusionProof(leafIndex: 4, treeSize: 8, hashes: path), root: root8))

        let consistency = MerkleTree.consistencyProof(oldSize: 6, hashes[...])
        #expect(
            consistency.map(\.hex) == [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ])
        let root6 = try #require(Data(hex: ReferenceTree.roots[5]))
        let root5 = try #require(Data(hex: ReferenceTree.roots[4]))
        #expect(ProofVerifier.verifyConsistency(proof: ConsistencyProof(oldSize: 6, newSize: 8, hashes: consistency), oldRoot: root6, newRoot: root8))
        #expect(
            !ProofVerifier.verifyConsistency(proof: ConsistencyProof(oldSize: 6, newSize: 8, hashes: consistency), oldRoot: root5, newRoot: root8))
        #expect(
            MerkleTree.consistencyProof(oldSize: 2, hashes[0..<5]).map(\.hex) == [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ])
    }

    @Test("every inclusion and consistency proof up to 33 leaves verifies, and tampered ones do not")
    func exhaustiveSmallTrees() {
        let hashes = (0..<33).map { MerkleTree.leafHash(Data("leaf \($0)".utf8)) }
        for size in 1...hashes.count {
            let root = MerkleTree.root(hashes[0..<size])
            var range = CompactRange()
            for hash in hashes[0..<size] { range.append(hash) }
            #expect(range.root == root, "compact range at size \(size)")
            for index in 0..<size {
                let path = MerkleTree.inclusionPath(index: index, hashes[0..<size])
                let proof = InclusionProof(leafIndex: index, treeSize: size, hashes: path)
                #expect(ProofVerifier.verifyInclusion(leafHash: hashes[index], proof: proof, root: root))
                if !path.isEmpty {
                    var bad = proof
                    bad.hashes[0] = MerkleTree.leafHash(Data("x".utf8))
                    #expect(!ProofVerifier.verifyInclusion(leafHash: hashes[index], proof: bad, root: root))
                    bad = proof
                    bad.hashes.removeLast()
                    #expect(!ProofVerifier.verifyInclusion(leafHash: hashes[index], proof: bad, root: root))
                }
                #expect(!ProofVerifier.verifyInclusion(leafHash: hashes[(index + 1) % 33], proof: proof, root: root))
            }
            for old in 1...size {
                let proof = ConsistencyProof(oldSize: old, newSize: size, hashes: MerkleTree.consistencyProof(oldSize: old, hashes[0..<size]))
                let oldRoot = MerkleTree.root(hashes[0..<old])
                #expect(ProofVerifier.verifyConsistency(proof: proof, oldRoot: oldRoot, newRoot: root), "\(old)→\(size)")
                if old < size {
                    let wrong = MerkleTree.leafHash(Data("other".utf8))
                    #expect(!ProofVerifier.verifyConsistency(proof: proof, oldRoot: wrong, newRoot: root))
                    #expect(!ProofVerifier.verifyConsistency(proof: proof, oldRoot: oldRoot, newRoot: wrong))
                }
            }
        }
    }

    @Test("out-of-range proofs are rejected")
    func hostileProofs() {
        let leaf = MerkleTree.leafHash(Data())
        #expect(!ProofVerifier.verifyInclusion(leafHash: leaf, proof: InclusionProof(leafIndex: 3, treeSize: 3, hashes: []), root: leaf))
        #expect(!ProofVerifier.verifyInclusion(leafHash: leaf, proof: InclusionProof(leafIndex: -1, treeSize: 3, hashes: []), root: leaf))
        #expect(!ProofVerifier.verifyConsistency(proof: ConsistencyProof(oldSize: 5, newSize: 3, hashes: []), oldRoot: leaf, newRoot: leaf))
        #expect(!ProofVerifier.verifyConsistency(proof: ConsistencyProof(oldSize: 2, newSize: 3, hashes: []), oldRoot: leaf, newRoot: leaf))
    }

    @Test("an independent Python implementation computes the same roots")
    func pythonAgrees() throws {
        let leaves = ReferenceTree.leaves.map(\.hex) + (0..<13).map { Data("entry \($0)".utf8).hex }
        let request = try JSONSerialization.data(withJSONObject: ["leaves": leaves])
        let result = try runPython(pythonMerkle, stdin: String(decoding: request, as: UTF8.self))
        #expect(result.status == 0, "\(result.stderr)")
        let decoded = try JSONDecoder().decode([String: [String]].self, from: Data(result.stdout.utf8))
        let hashes = leaves.compactMap { Data(hex: $0) }.map(MerkleTree.leafHash)
        let ours = (1...hashes.count).map { MerkleTree.root(hashes[0..<$0]).hex }
        #expect(decoded["roots"] == ours)
        #expect(Array(ours.prefix(8)) == ReferenceTree.roots)
    }

    @Test("the compact range refuses state that does not fit its size")
    func compactRangeValidation() {
        #expect(throws: TransferLogError.self) { try CompactRange(size: 3, serialized: Data(count: 32)) }
        #expect(throws: TransferLogError.self) { try CompactRange(size: 1, serialized: Data(count: 31)) }
    }
}
