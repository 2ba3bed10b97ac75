import Crypto
import Foundation
import Testing
@testable import PIAChecks

@Suite("Signed tree heads")
struct SignedNoteTests {
    // The signed-note example of golang.org/x/mod/sumdb/note (C2SP signed-note).
    static let goSignerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let goVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let goNote = goText + "\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    @Test("reproduces the reference signed note byte for byte and verifies it")
    func referenceNote() throws {
        let signer = try TreeHeadSigner(signerKey: Self.goSignerKey)
        #expect(signer.verifier.verifierKey == Self.goVerifierKey)
        #expect(signer.verifier.keyID.hex == "c74f20a3")
        #expect(try signer.sign(text: Self.goText) == Self.goNote)
        let verifier = try TreeHeadVerifier(verifierKey: Self.goVerifierKey)
        #expect(try verifier.open(noteText: Self.goNote) == Self.goText)
        #expect(throws: TransferLogError.self) {
            try verifier.open(noteText: Self.goNote.replacingOccurrences(of: "cryptography", with: "cryptographY"))
        }
    }

    @Test("checkpoints round-trip and bind origin, size and root")
    func checkpointRoundTrip() throws {
        let signer = try Fixtures.signer()
        let root = MerkleTree.leafHash(Data("x".utf8))
        let note = try signer.sign(Checkpoint(origin: signer.name, size: 42, rootHash: root))
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == Substring(signer.name))
        #expect(lines[1] == "42")
        #expect(lines[2] == Substring(root.base64EncodedString()))
        #expect(lines[3] == "")
        #expect(lines[4].hasPrefix("\u{2014} \(signer.name) "))
        let checkpoint = try signer.verifier.verify(noteText: note)
        #expect(checkpoint == Checkpoint(origin: signer.name, size: 42, rootHash: root))

        let other = try TreeHeadSigner.generate(name: signer.name)
        #expect(throws: TransferLogError.self) { try other.verifier.verify(noteText: note) }
        #expect(throws: TransferLogError.self) { try signer.verifier.verify(noteText: note.replacingOccurrences(of: "\n42\n", with: "\n43\n")) }
    }

    @Test("the key ID is the C2SP Ed25519 key ID, recomputed by Python")
    func keyIDIndependently() throws {
        let signer = try Fixtures.signer()
        let script = """
            import hashlib, sys
            name, pub = sys.stdin.read().split()
            print(hashlib.sha256(name.encode() + b"\\n\\x01" + bytes.fromhex(pub)).hexdigest()[:8])
            """
        let result = try runPython(script, stdin: "\(signer.name) \(signer.verifier.publicKey.hex)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == signer.verifier.keyID.hex)
    }

    @Test("malformed notes and keys are rejected", arguments: [
        "", "origin\n1\nAAAA\n", "origin\n1\nAAAA\n\n- name AAAA\n", "origin\n1\nAAAA\n\n\u{2014} name !!!\n",
        "origin\n1\nAAAA\n\n\u{2014} name\n",
    ])
    func malformedNotes(text: String) throws {
        let signer = try Fixtures.signer()
        #expect(throws: TransferLogError.self) { try signer.verifier.verify(noteText: text) }
    }

    @Test("malformed keys are rejected", arguments: [
        "", "name+00000000+AAAA", "PRIVATE+KEY+name+00+AAAA", "a b+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ])
    func malformedKeys(key: String) {
        #expect(throws: TransferLogError.self) { try TreeHeadVerifier(verifierKey: key) }
        #expect(throws: TransferLogError.self) { try TreeHeadSigner(signerKey: key) }
    }

    @Test("checkpoint bodies with bad sizes or roots are rejected", arguments: [
        "o\n-1\n\(Data(count: 32).base64EncodedString())\n", "o\n01\n\(Data(count: 32).base64EncodedString())\n",
        "o\n1\n\(Data(count: 31).base64EncodedString())\n", "\n1\n\(Data(count: 32).base64EncodedString())\n", "o\n1\n",
    ])
    func badCheckpointBodies(body: String) {
        #expect(throws: TransferLogError.self) { try Checkpoint(body: body) }
    }
}
