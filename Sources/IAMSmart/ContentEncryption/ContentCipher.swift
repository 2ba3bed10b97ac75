import Crypto
import Foundation

/// AES-256-GCM for request and response bodies, in iAM Smart's layout:
/// `int32be(12) ‖ IV(12) ‖ ciphertext ‖ tag(16)`, Base64 in the `content` field.
///
/// The length prefix names the IV length; anything but 12 is rejected rather
/// than guessed at. Every message gets a fresh random IV: GCM with a repeated
/// IV under one key leaks the authentication key.
public enum ContentCipher {
    public enum Failure: Error, Sendable, Equatable {
        /// Not Base64, too short, or an IV length other than 12.
        case malformed
        /// The GCM tag does not verify under the key in use.
        case authenticationFailed
    }

    public static func seal(_ plaintext: some DataProtocol, key: SymmetricKey) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce())
        var out = Data([0, 0, 0, 12])
        box.nonce.withUnsafeBytes { out.append(contentsOf: $0) }
        out.append(box.ciphertext)
        out.append(box.tag)
        return out.base64EncodedString()
    }

    public static func open(_ content: String, key: SymmetricKey) throws(Failure) -> Data {
        guard let data = Data(base64Encoded: content), data.count >= 4 + 12 + 16 else { throw .malformed }
        let bytes = Array(data)
        let ivLength = bytes[0..<4].reduce(0) { ($0 << 8) | Int($1) }
        guard ivLength == 12 else { throw .malformed }
        let iv = bytes[4..<16]
        let ciphertext = bytes[16..<(bytes.count - 16)]
        let tag = bytes[(bytes.count - 16)...]
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: iv), ciphertext: ciphertext, tag: tag)
            return try AES.GCM.open(box, using: key)
        } catch {
            throw .authenticationFailed
        }
    }
}
