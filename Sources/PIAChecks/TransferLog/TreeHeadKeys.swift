import Crypto
import Foundation
import PKCS11Token

/// Signs tree heads with Ed25519 as C2SP signed notes.
///
/// The key name doubles as the checkpoint origin, as C2SP recommends, so a
/// reviewer's verifier key names the log it speaks for.
public struct TreeHeadSigner: Sendable {
    public let name: String
    let key: Key
    public let verifier: TreeHeadVerifier
    /// When set, a batch is signed only on top of exactly this tree (size
    /// and root): the tree the log last checked extends what it signed.
    public private(set) var requiredBase: CompactRange?

    /// This signer, refusing to sign on top of any tree but `base`.
    public func extending(_ base: CompactRange) -> TreeHeadSigner {
        var pinned = self
        pinned.requiredBase = base
        return pinned
    }

    /// Where the private key is.
    enum Key: Sendable {
        /// The 32-byte Ed25519 seed; kept as bytes so the signer is `Sendable`.
        case seed(Data)
        /// An Ed25519 key in a PKCS#11 token (CKM_EDDSA); it signs there.
        case token(TokenKey)
    }

    public init(name: String, privateKey: Curve25519.Signing.PrivateKey) throws {
        try TreeHeadVerifier.validate(name: name)
        self.name = name
        self.key = .seed(privateKey.rawRepresentation)
        self.verifier = TreeHeadVerifier(name: name, publicKey: privateKey.publicKey)
    }

    /// A signer whose Ed25519 key stays in a token.
    public init(name: String, tokenKey: TokenKey) throws {
        try TreeHeadVerifier.validate(name: name)
        guard case .ed25519(let raw) = tokenKey.publicKey,
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else {
            throw TransferLogError.badKey("\(tokenKey) is not an Ed25519 key")
        }
        self.name = name
        self.key = .token(tokenKey)
        self.verifier = TreeHeadVerifier(name: name, publicKey: publicKey)
    }

    public static func generate(name: String) throws -> TreeHeadSigner {
        try TreeHeadSigner(name: name, privateKey: Curve25519.Signing.PrivateKey())
    }

    /// Parses `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ seed)>`.
    public init(signerKey: String) throws {
        let parsed = try NoteKeyText.parseSignerKey(signerKey, type: TreeHeadVerifier.signatureType)
        try self.init(name: parsed.name, privateKey: parsed.privateKey)
    }

    /// The signer key string; keep it secret. Nil for a token key, which cannot leave its token.
    public var signerKey: String? {
        guard case .seed(let seed) = key else { return nil }
        return NoteKeyText.signerKey(name: name, type: TreeHeadVerifier.signatureType, seed: seed, publicKey: verifier.publicKey)
    }

    /// The signed note text for a checkpoint.
    public func sign(_ checkpoint: Checkpoint) throws -> String {
        try sign(text: checkpoint.body)
    }

    /// Signs any note text (which must end in a newline) as a C2SP signed note.
    public func sign(text body: String) throws -> String {
        guard body.hasSuffix("\n") else { throw TransferLogError.badCheckpoint("note text must end with a newline") }
        let signature: Data
        switch key {
        case .seed(let seed):
            signature = try Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: Data(body.utf8))
        case .token(let tokenKey):
            signature = Data(try tokenKey.sign(Array(body.utf8), mechanism: .eddsa))
        }
        return SignedNote(
            body: body,
            signatures: [
                .init(name: name, keyID: verifier.keyID, signature: signature)
            ]
        ).text
    }
}

/// Checks tree-head signatures with an Ed25519 public key.
public struct TreeHeadVerifier: Sendable, Hashable {
    public let name: String
    public let publicKey: Data

    init(name: String, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.publicKey = publicKey.rawRepresentation
    }

    /// C2SP signed-note signature type of Ed25519 note signatures.
    static let signatureType: UInt8 = 0x01

    /// Parses a verifier key `<name>+<hex key ID>+<base64(0x01 ‖ public key)>`.
    public init(verifierKey: String) throws {
        let parsed = try NoteKeyText.parseVerifierKey(verifierKey, type: Self.signatureType)
        self.init(name: parsed.name, publicKey: parsed.publicKey)
    }

    public var verifierKey: String {
        NoteKeyText.verifierKey(name: name, type: Self.signatureType, publicKey: publicKey)
    }

    /// C2SP Ed25519 key ID: first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
    public var keyID: Data {
        NoteKeyText.keyID(name: name, type: Self.signatureType, publicKey: publicKey)
    }

    /// Verifies a signed checkpoint and returns it; throws when no signature
    /// by this key verifies, any signature line by this key fails, the origin
    /// is not this key's name, or an empty tree has a root other than
    /// SHA-256("").
    public func verify(noteText: String) throws -> Checkpoint {
        let checkpoint = try Checkpoint(body: try open(noteText: noteText))
        guard checkpoint.origin == name else { throw TransferLogError.badCheckpoint("origin is not \(name)") }
        guard checkpoint.size > 0 || checkpoint.rootHash == MerkleTree.emptyRoot else {
            throw TransferLogError.badCheckpoint("a tree of size 0 must have the root SHA-256(\"\")")
        }
        return checkpoint
    }

    /// Verifies any signed note and returns its text. Per C2SP signed-note,
    /// lines by other keys are ignored, but every line that names this key
    /// (name and key ID) must verify: one failing line rejects the note even
    /// next to a good one.
    public func open(noteText: String) throws -> String {
        let note = try SignedNote(text: noteText)
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
            throw TransferLogError.badKey("not an Ed25519 public key")
        }
        let mine = note.signatures(name: name, keyID: keyID)
        guard !mine.isEmpty else { throw TransferLogError.badCheckpoint("no signature by \(name)") }
        guard mine.allSatisfy({ key.isValidSignature($0.signature, for: Data(note.body.utf8)) }) else {
            throw TransferLogError.badCheckpoint("a signature line by \(name) does not verify")
        }
        return note.body
    }

    static func validate(name: String) throws {
        guard !name.isEmpty, !name.contains("+"), !name.contains(where: { $0.isWhitespace }) else {
            throw TransferLogError.badKey("key name must be non-empty without '+' or spaces")
        }
    }
}
