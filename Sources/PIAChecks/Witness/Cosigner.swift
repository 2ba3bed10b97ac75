import Crypto
import Foundation

/// A witness key: signs C2SP tlog-cosignature v1 (Ed25519, signature type
/// 0x04) over checkpoints it has checked.
public struct Cosigner: Sendable {
    public let name: String
    /// The 32-byte Ed25519 seed.
    let seed: Data
    public let verifier: CosignatureVerifier

    public init(name: String, privateKey: Curve25519.Signing.PrivateKey) throws {
        try TreeHeadVerifier.validate(name: name)
        self.name = name
        self.seed = privateKey.rawRepresentation
        self.verifier = CosignatureVerifier(name: name, publicKey: privateKey.publicKey.rawRepresentation)
    }

    public static func generate(name: String) throws -> Cosigner {
        try Cosigner(name: name, privateKey: Curve25519.Signing.PrivateKey())
    }

    /// Parses `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 ‖ seed)>`.
    public init(signerKey: String) throws {
        let parsed = try NoteKeyText.parseSignerKey(signerKey, type: CosignatureVerifier.signatureType)
        try self.init(name: parsed.name, privateKey: parsed.privateKey)
    }

    /// The secret key string; keep it secret.
    public var signerKey: String {
        NoteKeyText.signerKey(name: name, type: CosignatureVerifier.signatureType, seed: seed, publicKey: verifier.publicKey)
    }

    /// One cosignature line (ending in a newline) over a checkpoint body.
    public func cosign(checkpointBody: String, time: Date) throws -> String {
        let timestamp = UInt64(max(0, time.timeIntervalSince1970.rounded(.down)))
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        let signature = try key.signature(for: CosignatureVerifier.message(checkpointBody: checkpointBody, timestamp: timestamp))
        var blob = verifier.keyID
        withUnsafeBytes(of: timestamp.bigEndian) { blob.append(contentsOf: $0) }
        blob.append(signature)
        return "\(SignedNote.signaturePrefix)\(name) \(blob.base64EncodedString())\n"
    }
}

/// A witness's public key, as reviewers and the bridge configure it:
/// `<name>+<hex key ID>+<base64(0x04 ‖ Ed25519 public key)>`.
public struct CosignatureVerifier: Sendable, Hashable {
    /// C2SP signed-note signature type of timestamped Ed25519 cosignatures.
    static let signatureType: UInt8 = 0x04

    public let name: String
    public let publicKey: Data

    init(name: String, publicKey: Data) {
        self.name = name
        self.publicKey = publicKey
    }

    public init(verifierKey: String) throws {
        let parsed = try NoteKeyText.parseVerifierKey(verifierKey, type: Self.signatureType)
        self.init(name: parsed.name, publicKey: parsed.publicKey.rawRepresentation)
    }

    public var verifierKey: String {
        NoteKeyText.verifierKey(name: name, type: Self.signatureType, publicKey: publicKey)
    }

    /// SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4].
    public var keyID: Data {
        NoteKeyText.keyID(name: name, type: Self.signatureType, publicKey: publicKey)
    }

    /// `cosignature/v1`, the time line, then the checkpoint body.
    static func message(checkpointBody: String, timestamp: UInt64) -> Data {
        Data("cosignature/v1\ntime \(timestamp)\n\(checkpointBody)".utf8)
    }

    /// The time of this witness's cosignature on `note`, or `nil` when it has
    /// none. Throws when a line by this key (name and key ID) does not verify.
    public func cosignatureTime(on note: SignedNote) throws -> Date? {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
            throw TransferLogError.badKey("not an Ed25519 public key")
        }
        var newest: UInt64?
        for line in note.signatures(name: name, keyID: keyID) {
            let blob = line.signature
            guard blob.count == 72 else { throw TransferLogError.badCheckpoint("cosignature by \(name) is not 72 bytes") }
            let timestamp = blob.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard timestamp <= UInt64(Int64.max),
                key.isValidSignature(blob.dropFirst(8), for: Self.message(checkpointBody: note.body, timestamp: timestamp))
            else {
                throw TransferLogError.badCheckpoint("a cosignature by \(name) does not verify")
            }
            newest = max(newest ?? 0, timestamp)
        }
        return newest.map { Date(timeIntervalSince1970: Double($0)) }
    }
}
