import Crypto
import Foundation

/// The C2SP signed-note texts of Ed25519 keys, shared by tree-head keys
/// (signature type 0x01) and witness keys (type 0x04, tlog-cosignature).
enum NoteKeyText {
    /// SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4].
    static func keyID(name: String, type: UInt8, publicKey: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: Data(name.utf8))
        hasher.update(data: [0x0A, type])
        hasher.update(data: publicKey)
        return Data(hasher.finalize().prefix(4))
    }

    /// `<name>+<hex key ID>+<base64(type ‖ public key)>`.
    static func verifierKey(name: String, type: UInt8, publicKey: Data) -> String {
        "\(name)+\(keyID(name: name, type: type, publicKey: publicKey).hex)+\((Data([type]) + publicKey).base64EncodedString())"
    }

    /// `PRIVATE+KEY+<name>+<hex key ID>+<base64(type ‖ seed)>`.
    static func signerKey(name: String, type: UInt8, seed: Data, publicKey: Data) -> String {
        "PRIVATE+KEY+\(name)+\(keyID(name: name, type: type, publicKey: publicKey).hex)+\((Data([type]) + seed).base64EncodedString())"
    }

    /// The name and public key of a verifier key of `type`, its key ID checked.
    static func parseVerifierKey(_ text: String, type: UInt8) throws -> (name: String, publicKey: Curve25519.Signing.PublicKey) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let blob = Data(base64Encoded: String(parts[2])), blob.count == 33, blob.first == type,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: blob.dropFirst())
        else {
            throw TransferLogError.badKey("expected <name>+<key ID>+<base64 0x0\(type)‖Ed25519 public key>")
        }
        let name = String(parts[0])
        try TreeHeadVerifier.validate(name: name)
        guard parts[1] == keyID(name: name, type: type, publicKey: key.rawRepresentation).hex else {
            throw TransferLogError.badKey("key ID does not match the key")
        }
        return (name, key)
    }

    /// The name and private key of a signer key of `type`, its key ID checked.
    static func parseSignerKey(_ text: String, type: UInt8) throws -> (name: String, privateKey: Curve25519.Signing.PrivateKey) {
        // The base64 key may itself contain '+', so split only four times.
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY",
            let blob = Data(base64Encoded: String(parts[4])), blob.count == 33, blob.first == type
        else {
            throw TransferLogError.badKey("expected PRIVATE+KEY+<name>+<key ID>+<base64 0x0\(type)‖Ed25519 seed>")
        }
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: blob.dropFirst()) else {
            throw TransferLogError.badKey("not an Ed25519 private key")
        }
        let name = String(parts[2])
        try TreeHeadVerifier.validate(name: name)
        guard parts[3] == keyID(name: name, type: type, publicKey: key.publicKey.rawRepresentation).hex else {
            throw TransferLogError.badKey("key ID does not match the key")
        }
        return (name, key)
    }
}
