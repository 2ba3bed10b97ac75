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
    static let goNote =
        goText + "\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

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

    @Test(
        "malformed notes and keys are rejected",
        arguments: [
            "", "origin\n1\nAAAA\n", "origin\n1\nAAAA\n\n- name AAAA\n", "origin\n1\nAAAA\n\n\u{2014} name !!!\n",
            "origin\n1\nAAAA\n\n\u{2014} name\n",
        ])
    func malformedNotes(text: String) throws {
        let signer = try Fixtures.signer()
        #expect(throws: TransferLogError.self) { try signer.verifier.verify(noteText: text) }
    }

    @Test(
        "malformed keys are rejected",
        arguments: [
            "", "name+00000000+AAAA", "PRIVATE+KEY+name+00+AAAA", "a b+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        ])
    func malformedKeys(key: String) {
        #expect(throws: TransferLogError.self) { try TreeHeadVerifier(verifierKey: key) }
        #expect(throws: TransferLogError.self) { try TreeHeadSigner(signerKey: key) }
    }

    @Test(
        "checkpoint bodies with bad sizes or roots are rejected",
        arguments: [
            "o\n-1\n\(Data(count: 32).base64EncodedString())\n", "o\n01\n\(Data(count: 32).base64EncodedString())\n",
            "o\n1\n\(Data(count: 31).base64EncodedString())\n", "\n1\n\(Data(count: 32).base64EncodedString())\n", "o\n1\n",
        ])
    func badCheckpointBodies(body: String) {
        #expect(throws: TransferLogError.self) { try Checkpoint(body: body) }
    }

    // MARK: C2SP signed-note and tlog-checkpoint rules

    static func signatureLine(_ name: String, keyID: Data, signature: Data) -> String {
        "\u{2014} \(name) \((keyID + signature).base64EncodedString())\n"
    }

    @Test("a failing signature line by the log's own key rejects the note, even next to a good one")
    func failingKnownSignature() throws {
        let signer = try Fixtures.signer()
        let note = try signer.sign(Checkpoint(origin: signer.name, size: 3, rootHash: MerkleTree.leafHash(Data("r".utf8))))
        let bad = Self.signatureLine(signer.name, keyID: signer.verifier.keyID, signature: Data(repeating: 7, count: 64))
        #expect(throws: TransferLogError.self) { try signer.verifier.verify(noteText: note + bad) }
        let blank = try #require(note.range(of: "\n\n"))
        let text = String(note[..<blank.upperBound])
        let good = String(note[blank.upperBound...])
        #expect(throws: TransferLogError.self) { try signer.verifier.verify(noteText: text + bad + good) }
    }

    @Test("lines by unknown keys are ignored, even when they share the name or the key ID (not both)")
    func unknownSignaturesIgnored() throws {
        let signer = try Fixtures.signer()
        let note = try signer.sign(Checkpoint(origin: signer.name, size: 3, rootHash: MerkleTree.leafHash(Data("r".utf8))))
        let sameName = Self.signatureLine(signer.name, keyID: Data([1, 2, 3, 4]), signature: Data(repeating: 7, count: 64))
        let sameID = Self.signatureLine("other.example/w", keyID: signer.verifier.keyID, signature: Data(repeating: 7, count: 64))
        #expect(try signer.verifier.verify(noteText: note + sameName + sameID).size == 3)
        // Only an unknown key's line is not enough.
        let blank = try #require(note.range(of: "\n\n"))
        let text = String(note[..<blank.upperBound])
        #expect(throws: TransferLogError.self) { try signer.verifier.verify(noteText: text + sameName) }
    }

    @Test("extension lines must be non-empty")
    func emptyExtensionLine() throws {
        let signer = try Fixtures.signer()
        let root = MerkleTree.leafHash(Data("r".utf8)).base64EncodedString()
        let good = try signer.sign(text: "\(signer.name)\n3\n\(root)\nextension\n")
        #expect(try signer.verifier.verify(noteText: good).size == 3)
        for body in ["\(signer.name)\n3\n\(root)\n\nextension\n", "\(signer.name)\n3\n\(root)\n\n", "\(signer.name)\n3\n\(root)\nx\n\n"] {
            #expect(throws: TransferLogError.self, "\(body)") { try signer.verifier.verify(noteText: try signer.sign(text: body)) }
        }
    }

    @Test("a signed size-0 checkpoint must have the root SHA-256(\"\")")
    func emptyTreeRoot() throws {
        let signer = try Fixtures.signer()
        #expect(
            try signer.verifier.verify(noteText: try signer.sign(Checkpoint(origin: signer.name, size: 0, rootHash: MerkleTree.emptyRoot))).size == 0)
        let wrong = try signer.sign(Checkpoint(origin: signer.name, size: 0, rootHash: Data(count: 32)))
        #expect(throws: TransferLogError.self) { try signer.verifier.verify(noteText: wrong) }
    }

    @Test("at least 16 signature lines are accepted; more than 100 are rejected")
    func signatureLineLimit() throws {
        let signer = try Fixtures.signer()
        let note = try signer.sign(Checkpoint(origin: signer.name, size: 1, rootHash: MerkleTree.leafHash(Data("r".utf8))))
        let other = (0..<120).map { Self.signatureLine("w\($0).example", keyID: Data([0, 0, 0, UInt8($0)]), signature: Data(count: 64)) }
        #expect(try signer.verifier.verify(noteText: note + other.prefix(15).joined()).size == 1)
        #expect(try signer.verifier.verify(noteText: note + other.prefix(99).joined()).size == 1)
        #expect(throws: TransferLogError.self) { try signer.verifier.verify(noteText: note + other.prefix(100).joined()) }
    }

    @Test(
        "control characters, bad key names and non-canonical numbers are rejected",
        arguments: [
            "\r", "\t", "\u{0}",
        ])
    func controlCharacters(character: String) throws {
        let signer = try Fixtures.signer()
        let root = MerkleTree.leafHash(Data("r".utf8)).base64EncodedString()
        let note = try signer.sign(text: "\(signer.name)\n3\n\(root)\nx\(character)y\n")
        #expect(throws: TransferLogError.self) { try signer.verifier.verify(noteText: note) }
    }

    @Test("signature lines with a name holding '+' or spaces are malformed")
    func badSignatureNames() throws {
        let signer = try Fixtures.signer()
        let note = try signer.sign(Checkpoint(origin: signer.name, size: 1, rootHash: MerkleTree.leafHash(Data("r".utf8))))
        for name in ["a+b", "a\u{00A0}b", "a\u{3000}b"] {
            let line = Self.signatureLine(name, keyID: Data(count: 4), signature: Data(count: 64))
            #expect(throws: TransferLogError.self, "\(name)") { try signer.verifier.verify(noteText: note + line) }
        }
    }
}
