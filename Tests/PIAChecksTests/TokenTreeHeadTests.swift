import Crypto
import Foundation
import PKCS11Token
import Testing
import TokenTestSupport

@testable import PIAChecks

/// The tree-head key in a PKCS#11 token (CKM_EDDSA): checkpoints it signs
/// verify with the published verifier key, and a log runs on it end to end.
@Suite(
    "Tree heads signed in a token",
    .enabled(
        if: TestToken.available,
        "needs the SoftHSM2 token from scripts/test.sh"))
struct TokenTreeHeadTests {
    static func tokenSigner() throws -> TreeHeadSigner {
        let key = try TestToken.key(.ed25519, labelled: "tree-head-test")
        return try TreeHeadSigner(name: "bridge.example.hk/transfer-log", tokenKey: key)
    }

    @Test("a token-signed checkpoint verifies with the verifier key and nothing else")
    func checkpointVerifies() throws {
        let signer = try Self.tokenSigner()
        #expect(signer.signerKey == nil)
        let root = MerkleTree.leafHash(Data("x".utf8))
        let note = try signer.sign(Checkpoint(origin: signer.name, size: 7, rootHash: root))
        let verifier = try TreeHeadVerifier(verifierKey: signer.verifier.verifierKey)
        #expect(try verifier.verify(noteText: note) == Checkpoint(origin: signer.name, size: 7, rootHash: root))
        #expect(throws: TransferLogError.self) { try verifier.verify(noteText: note.replacingOccurrences(of: "\n7\n", with: "\n8\n")) }
        let other = try TreeHeadSigner.generate(name: signer.name)
        #expect(throws: TransferLogError.self) { try other.verifier.verify(noteText: note) }
    }

    @Test("a log whose tree heads the token signs appends, checkpoints and verifies")
    func logOnTokenKey() async throws {
        guard let harness = StoreHarness.make(.sqlite) else { return }
        let store = try await harness.open()
        let signer = try Self.tokenSigner()
        let log = TransferLog(store: store, signer: signer)
        for index in 0..<3 { _ = try await log.append(Fixtures.entry(index)) }
        let checkpoint = try signer.verifier.verify(noteText: try await log.checkpoint())
        #expect(checkpoint.size == 3)
        #expect(try await log.verify().entries == 3)
        try await store.close()
        await harness.cleanUp()
    }

    @Test("an RSA token key is refused as a tree-head key")
    func rsaRefused() throws {
        let key = try TestToken.key(.p256, labelled: "not-ed25519")
        #expect(throws: TransferLogError.self) { try TreeHeadSigner(name: "bridge.example.hk/transfer-log", tokenKey: key) }
    }
}
