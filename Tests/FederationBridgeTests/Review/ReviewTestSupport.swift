import Crypto
import Foundation
import GRDB
import PIAChecks

/// Edits a store file behind the log's back, as an attacker with file access would.
enum SQLiteTamper {
    static func run(path: String, sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: sql) }
        try queue.close()
    }
}

/// Checks a downloaded proof the way a third party would: RFC 9162 hashing
/// and the C2SP note signature, written here from the specifications rather
/// than taken from the log's own verifier.
enum IndependentProofCheck {
    static func verify(_ bundle: InclusionProofBundle, publicKey: Data, origin: String) throws -> Bool {
        // The note: body, blank line, signature lines "— name base64(keyID ‖ signature)".
        guard let split = bundle.checkpoint.range(of: "\n\n") else { return false }
        let body = String(bundle.checkpoint[..<split.lowerBound]) + "\n"
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        let signatures = bundle.checkpoint[split.upperBound...].split(separator: "\n").compactMap { line -> Data? in
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[0] == "\u{2014}", parts[1] == origin, let blob = Data(base64Encoded: String(parts[2])), blob.count == 68
            else {
                return nil
            }
            return blob.dropFirst(4)
        }
        guard signatures.contains(where: { key.isValidSignature($0, for: Data(body.utf8)) }) else { return false }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3, lines[0] == origin, Int(lines[1]) == bundle.treeSize, let root = Data(base64Encoded: String(lines[2])) else {
            return false
        }
        guard let entry = Data(base64Encoded: bundle.entry) else { return false }
        let path = try bundle.inclusionPath.map { hex -> Data in
            guard hex.count == 64 else { throw ProofFormatError() }
            return Data(
                try stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
                    let start = hex.index(hex.startIndex, offsetBy: offset)
                    guard let byte = UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16) else { throw ProofFormatError() }
                    return byte
                })
        }
        return inclusion(leaf: Data(SHA256.hash(data: Data([0]) + entry)), index: bundle.leafIndex, size: bundle.treeSize, path: path, root: root)
    }

    /// RFC 9162 §2.1.3.2.
    static func inclusion(leaf: Data, index: Int, size: Int, path: [Data], root: Data) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leaf
        func node(_ left: Data, _ right: Data) -> Data { Data(SHA256.hash(data: Data([1]) + left + right)) }
        for p in path {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    struct ProofFormatError: Error {}
}
