import Foundation
import Testing
@preconcurrency import _CryptoExtras

@testable import SAMLMapper

/// libcrypto signs our RSA keys; PKCS#1 v1.5 is deterministic, so its
/// signatures must be byte for byte those of swift-crypto.
@Suite struct RSASigningKeyTests {
    @Test(arguments: [("SHA256", SignatureAlgorithm.rsaSHA256), ("SHA384", .rsaSHA384), ("SHA512", .rsaSHA512)])
    func libcryptoAndSwiftCryptoSignAlike(digest: String, algorithm: SignatureAlgorithm) throws {
        let key = RSASigningKey(Fixtures.rsaKey)
        #expect(key.signsWithLibcrypto)
        let data = Data("<ds:SignedInfo>…</ds:SignedInfo>".utf8)
        let signature = try SigningKey.rsa(key).sign(data, algorithm: algorithm)
        #expect(signature == (try key.signWithSwiftCrypto(data, digest: digest)))
        #expect(SigningKey.rsa(key).publicKey.isValidSignature(signature, for: data, algorithm: algorithm))
    }

    @Test func concurrentSignaturesWithOneKeyAreAllValid() async throws {
        let key = SigningKey.rsa(Fixtures.rsaKey)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let data = Data("message \(index)".utf8)
                    return key.publicKey.isValidSignature(try key.sign(data, algorithm: .rsaSHA256), for: data, algorithm: .rsaSHA256)
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64 && results.allSatisfy { $0 })
    }
}
