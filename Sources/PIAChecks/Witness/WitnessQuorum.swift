import Foundation

/// K of N witnesses, as a reviewer requires them: a checkpoint counts as
/// witnessed when at least `required` of `witnesses` cosigned it.
public struct WitnessQuorum: Sendable, Hashable {
    public var witnesses: [CosignatureVerifier]
    public var required: Int

    public init(witnesses: [CosignatureVerifier], required: Int) throws {
        guard required >= 1, required <= witnesses.count else {
            throw TransferLogError.badKey("--require must be between 1 and the number of witness keys (\(witnesses.count))")
        }
        guard Set(witnesses.map(\.name)).count == witnesses.count else {
            throw TransferLogError.badKey("each witness key must have its own name")
        }
        self.witnesses = witnesses
        self.required = required
    }

    /// Names of the configured witnesses with a valid cosignature on `note`.
    /// A failing line by a configured witness rejects the note (C2SP
    /// signed-note), so a forged cosignature is reported, not skipped.
    public func cosigners(of note: String) throws -> [String] {
        let parsed = try SignedNote(text: note)
        return try witnesses.filter { try $0.cosignatureTime(on: parsed) != nil }.map(\.name)
    }

    /// The largest stored tree head with a quorum of cosignatures.
    public func newestWitnessed(_ heads: [StoredTreeHead]) throws -> WitnessedCheckpoint {
        for head in heads.sorted(by: { $0.size > $1.size }) {
            let names: [String]
            do {
                names = try cosigners(of: head.note)
            } catch {
                throw LogVerificationError(entry: nil, problem: "tree head of size \(head.size): \(error)")
            }
            if names.count >= required { return WitnessedCheckpoint(size: head.size, witnesses: names) }
        }
        throw LogVerificationError(
            entry: nil, problem: "no stored checkpoint is cosigned by \(required) of the \(witnesses.count) witnesses given")
    }
}

/// The newest checkpoint a quorum of witnesses cosigned.
public struct WitnessedCheckpoint: Sendable, Hashable {
    public var size: Int
    public var witnesses: [String]

    public init(size: Int, witnesses: [String]) {
        self.size = size
        self.witnesses = witnesses
    }
}

extension SignedNote {
    /// This note with `lines` (cosignature lines from a witness response)
    /// added, replacing earlier lines by the same key, so repeated
    /// collection does not grow the note.
    public func adding(cosignatureLines lines: String) throws -> SignedNote {
        let added = try lines.split(separator: "\n").map(Self.signature(line:))
        let keys = Set(added.map { "\($0.name) \($0.keyID.hex)" })
        let kept = signatures.filter { !keys.contains("\($0.name) \($0.keyID.hex)") }
        let merged = SignedNote(body: body, signatures: kept + added)
        guard merged.signatures.count <= Self.maxSignatures else {
            throw TransferLogError.badCheckpoint("more than \(Self.maxSignatures) signature lines")
        }
        return merged
    }
}
