import Foundation

/// The body of a C2SP tlog-witness `add-checkpoint` request: `old <size>`,
/// up to 63 consistency proof hashes (base64, one a line), a blank line,
/// then the signed checkpoint.
public struct AddCheckpointRequest: Sendable, Hashable {
    public var oldSize: Int
    public var proof: [Data]
    public var checkpoint: String

    /// The protocol's limit on consistency proof lines.
    public static let maxProofLines = 63

    public init(oldSize: Int, proof: [Data], checkpoint: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    public var body: String {
        "old \(oldSize)\n" + proof.map { $0.base64EncodedString() + "\n" }.joined() + "\n" + checkpoint
    }

    public init(body: String) throws {
        guard let blank = body.range(of: "\n\n") else { throw WitnessRefusal.badRequest("no blank line after the proof") }
        let head = body[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = head.first, first.hasPrefix("old ") else { throw WitnessRefusal.badRequest("first line must be 'old <size>'") }
        let digits = first.dropFirst(4)
        guard let old = Int(digits), old >= 0, String(old) == digits else {
            throw WitnessRefusal.badRequest("old size is not a decimal number without leading zeroes")
        }
        guard head.count - 1 <= Self.maxProofLines else {
            throw WitnessRefusal.badRequest("more than \(Self.maxProofLines) consistency proof lines")
        }
        let proof = try head.dropFirst().map { line -> Data in
            guard let hash = Data(base64Encoded: String(line)), hash.count == 32 else {
                throw WitnessRefusal.badRequest("a consistency proof line is not base64 of 32 bytes")
            }
            return hash
        }
        self.init(oldSize: old, proof: proof, checkpoint: String(body[blank.upperBound...]))
    }
}

/// Why a witness does not cosign, with the HTTP status C2SP tlog-witness
/// assigns to each case.
public enum WitnessRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400: the request cannot be parsed, or the old size exceeds the checkpoint's.
    case badRequest(String)
    /// 403: no signature by a key the witness trusts for this origin verifies.
    case untrustedSignature(String)
    /// 404: the witness does not follow this origin.
    case unknownOrigin(String)
    /// 409: the old size is not the witness's latest size, or the same size
    /// has another root. Carries the witness's latest size.
    case conflict(latestSize: Int, String)
    /// 422: the consistency proof does not verify.
    case badProof(String)

    public var status: Int {
        switch self {
        case .badRequest: 400
        case .untrustedSignature: 403
        case .unknownOrigin: 404
        case .conflict: 409
        case .badProof: 422
        }
    }

    public var description: String {
        switch self {
        case .badRequest(let why): "bad request: \(why)"
        case .untrustedSignature(let why): "checkpoint not signed by a trusted key: \(why)"
        case .unknownOrigin(let origin): "unknown log origin \(origin)"
        case .conflict(let size, let why): "conflict with the witnessed size \(size): \(why)"
        case .badProof(let why): "consistency proof does not verify: \(why)"
        }
    }
}
