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
              let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
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
        // The base64 key may itself contain '+', so split only four times.
        let parts = signerKey.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY",
              let blob = Data(base64Encoded: String(parts[4])), blob.count == 33, blob.first == 0x01 else {
            throw TransferLogError.badKey("expected PRIVATE+KEY+<name>+<key ID>+<base64 key>")
        }
        let key: Curve25519.Signing.PrivateKey
        do {
            key = try Curve25519.Signing.PrivateKey(rawRepresentation: blob.dropFirst())
        } catch {
            throw TransferLogError.badKey("not an Ed25519 private key")
        }
        try self.init(name: String(parts[2]), privateKey: key)
        guard parts[3] == verifier.keyID.hex else { throw TransferLogError.badKey("key ID does not match the key") }
    }

    /// The signer key string; keep it secret. Nil for a token key, which cannot leave its token.
    public var signerKey: String? {
        guard case .seed(let seed) = key else { return nil }
        return "PRIVATE+KEY+\(name)+\(verifier.keyID.hex)+\((Data([0x01]) + seed).base64EncodedString())"
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
        return SignedNote(body: body, signatures: [
            .init(name: name, keyID: verifier.keyID, signature: signature),
        ]).text
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

    /// Parses a verifier key `<name>+<hex key ID>+<base64(0x01 ‖ public key)>`.
    public init(verifierKey: String) throws {
        let parts = verifierKey.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let blob = Data(base64Encoded: String(parts[2])), blob.count == 33, blob.first == 0x01,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: blob.dropFirst()) else {
            throw TransferLogError.badKey("expected <name>+<key ID>+<base64 0x01‖Ed25519 public key>")
        }
        try Self.validate(name: String(parts[0]))
        self.init(name: String(parts[0]), publicKey: key)
        guard parts[1] == keyID.hex else { throw TransferLogError.badKey("key ID does not match the key") }
    }

    public var verifierKey: String {
        "\(name)+\(keyID.hex)+\((Data([0x01]) + publicKey).base64EncodedString())"
    }

    /// C2SP Ed25519 key ID: first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
    public var keyID: Data {
        var hasher = SHA256()
        hasher.update(data: Data(name.utf8))
        hasher.update(data: [0x0A, 0x01])
        hasher.update(data: publicKey)
        return Data(hasher.finalize().prefix(4))
    }

    /// Verifies a signed checkpoint and returns it; throws when no signature
    /// by this key verifies or the origin is not this key's name.
    public func verify(noteText: String) throws -> Checkpoint {
        let checkpoint = try Checkpoint(body: try open(noteText: noteText))
        guard checkpoint.origin == name else { throw TransferLogError.badCheckpoint("origin is not \(name)") }
        return checkpoint
    }

    /// Verifies any signed note and returns its text.
    public func open(noteText: String) throws -> String {
        let note = try SignedNote(text: noteText)
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
            throw TransferLogError.badKey("not an Ed25519 public key")
        }
        let signed = note.signatures.contains {
            $0.name == name && $0.keyID == keyID && key.isValidSignature($0.signature, for: Data(note.body.utf8))
        }
        guard signed else { throw TransferLogError.badCheckpoint("no valid signature by \(name)") }
        return note.body
    }

    static func validate(name: String) throws {
        guard !name.isEmpty, !name.contains("+"), !name.contains(where: { $0.isWhitespace }) else {
            throw TransferLogError.badKey("key name must be non-empty without '+' or spaces")
        }
    }
}
