import Crypto
import Foundation
import Testing

@testable import IAMSmart

@Suite("Content encryption")
struct ContentEncryptionTests {
    @Test func envelopeLayoutIsLengthIVCiphertextTag() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Data(#"{"hello":"world"}"#.utf8)
        let sealed = try ContentCipher.seal(plaintext, key: key)
        let raw = try #require(Data(base64Encoded: sealed))
        #expect(Array(raw.prefix(4)) == [0, 0, 0, 12])
        #expect(raw.count == 4 + 12 + plaintext.count + 16)
        // Independent check of the layout with swift-crypto's own sealed box.
        let box = try AES.GCM.SealedBox(
            nonce: AES.GCM.Nonce(data: raw[4..<16]), ciphertext: raw[16..<(raw.count - 16)], tag: raw.suffix(16))
        #expect(try AES.GCM.open(box, using: key) == plaintext)
        #expect(try ContentCipher.open(sealed, key: key) == plaintext)
    }

    @Test func everyMessageGetsAFreshIV() throws {
        let key = SymmetricKey(size: .bits256)
        let ivs = try (0..<50).map { _ in
            try #require(Data(base64Encoded: try ContentCipher.seal(Data("same".utf8), key: key)))[4..<16]
        }
        #expect(Set(ivs.map { Data($0) }).count == 50)
    }

    @Test func hostileEnvelopesAreRejected() throws {
        let key = SymmetricKey(size: .bits256)
        let sealed = try ContentCipher.seal(Data("x".utf8), key: key)
        var raw = try #require(Data(base64Encoded: sealed))

        #expect(throws: ContentCipher.Failure.authenticationFailed) {
            try ContentCipher.open(sealed, key: SymmetricKey(size: .bits256))
        }
        var tampered = raw
        tampered[tampered.count - 1] ^= 0x80
        #expect(throws: ContentCipher.Failure.authenticationFailed) {
            try ContentCipher.open(tampered.base64EncodedString(), key: key)
        }
        raw[3] = 16  // claims a 16-byte IV
        #expect(throws: ContentCipher.Failure.malformed) { try ContentCipher.open(raw.base64EncodedString(), key: key) }
        #expect(throws: ContentCipher.Failure.malformed) { try ContentCipher.open("not base64!", key: key) }
        #expect(throws: ContentCipher.Failure.malformed) { try ContentCipher.open(Data([0, 0, 0, 12]).base64EncodedString(), key: key) }
    }

    @Test(arguments: ContentKeyPadding.allCases)
    func contentKeyRoundTripsThroughTheCertificate(padding: ContentKeyPadding) throws {
        let key = SymmetricKey(size: .bits256)
        let wrapped = try ContentKeyTransport.wrap(key, recipientPEM: TestKeys.shared.certificatePEM, padding: padding)
        #expect(wrapped.count == 256)
        let unwrapped = try ContentKeyTransport.unwrap(wrapped, privateKeyPEM: TestKeys.shared.privateKeyPEM, padding: padding)
        #expect(unwrapped == key)
    }

    @Test func contentKeyWrappedByOpenSSLCommandUnwraps() throws {
        // Wrap with the openssl command (OAEP, SHA-1) to check against a third implementation.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cek-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let cert = directory.appendingPathComponent("cert.pem")
        try TestKeys.shared.certificatePEM.write(to: cert, atomically: true, encoding: .utf8)
        let raw = Data((0..<32).map { UInt8($0) })
        let wrapped = try runProcess(
            "openssl", ["pkeyutl", "-encrypt", "-certin", "-inkey", cert.path, "-pkeyopt", "rsa_padding_mode:oaep"], stdin: raw)
        let key = try ContentKeyTransport.unwrap(wrapped, privateKeyPEM: TestKeys.shared.privateKeyPEM, padding: .oaepSHA1)
        #expect(key.withUnsafeBytes { Data($0) } == raw)
        let pkcs1 = try runProcess("openssl", ["pkeyutl", "-encrypt", "-certin", "-inkey", cert.path], stdin: raw)
        let key2 = try ContentKeyTransport.unwrap(pkcs1, privateKeyPEM: TestKeys.shared.privateKeyPEM, padding: .pkcs1v15)
        #expect(key2.withUnsafeBytes { Data($0) } == raw)
    }

    @Test func wrongPaddingOrGarbageFailsWithActionableError() throws {
        let key = SymmetricKey(size: .bits256)
        let wrapped = try ContentKeyTransport.wrap(key, recipientPEM: TestKeys.shared.certificatePEM, padding: .oaepSHA1)
        #expect(throws: IAMSmartError.contentKeyUnwrapFailed(padding: .pkcs1v15)) {
            try ContentKeyTransport.unwrap(wrapped, privateKeyPEM: TestKeys.shared.privateKeyPEM, padding: .pkcs1v15)
        }
        #expect(throws: IAMSmartError.contentKeyUnwrapFailed(padding: .oaepSHA1)) {
            try ContentKeyTransport.unwrap(Data(repeating: 1, count: 256), privateKeyPEM: TestKeys.shared.privateKeyPEM, padding: .oaepSHA1)
        }
        #expect(IAMSmartError.contentKeyUnwrapFailed(padding: .pkcs1v15).description.contains("contentKeyPadding"))
        #expect(throws: IAMSmartError.self) {
            try ContentKeyTransport.validatePrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
        }
    }
}
