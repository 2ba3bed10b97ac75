import Foundation
import PKCS11Token
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// Signing-key rollover without downtime: the next certificate is in our
/// metadata before use, the switch happens at `rollAt` with no restart, and
/// `bridge keys roll` writes it into the configuration only after checking
/// the next key against its certificate.
@Suite struct KeyRolloverTests {
    /// A sandbox federation with a P-256 next signing key and certificate beside the current RSA key.
    static func federationWithNextKey() throws -> (SandboxFederation, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fb-roll-\(UUID().uuidString)")
        let federation = try SandboxFederation(directory: folder)
        let next = SigningKey.p256(.init())
        try Data(try next.pkcs8PEM().utf8).write(to: federation.url("keys/next-signing-key.pem"))
        try Data(try SelfSignedCertificate(key: next, commonName: "next").pem.utf8).write(to: federation.url("keys/next-signing-cert.pem"))
        let config = try federation.writeBridgeConfiguration(
            bridgeBaseURL: "http://127.0.0.1:9", listenPort: 9, iamSmartBaseURL: "http://127.0.0.1:10")
        return (federation, config)
    }

    static func signingKeyDescriptors(_ metadata: Data, verifiedWith certificatePEM: String) throws -> [String] {
        let document = try XMLDocument(parsing: metadata)
        let root = try SignatureVerifier(trustedKeys: [try SigningPublicKey(pem: certificatePEM)]).verifyRoot(of: document)
        let idp = try #require(root.firstChild("IDPSSODescriptor", in: XMLNamespaces.md))
        return try idp.children("KeyDescriptor", in: XMLNamespaces.md).filter { $0.attribute("use") == "signing" }.map {
            try #require(
                $0.firstChild("KeyInfo", in: XMLNamespaces.ds)?.firstChild("X509Data", in: XMLNamespaces.ds)?
                    .firstChild("X509Certificate", in: XMLNamespaces.ds)
            ).text()
        }
    }

    @Test func theNextKeyIsPublishedFirstAndSignsFromRollAt() throws {
        let (federation, config) = try Self.federationWithNextKey()
        defer { try? FileManager.default.removeItem(at: federation.directory) }
        let rollAt = Date().addingTimeInterval(3600)
        let yaml = try RolloverEditor.settingRollover(
            in: try String(contentsOf: config, encoding: .utf8), nextKey: "keys/next-signing-key.pem",
            nextCertificate: "keys/next-signing-cert.pem", rollAt: rollAt)
        let configuration = try ConfigurationLoader().load(yaml: yaml, baseDirectory: federation.directory)
        #expect(configuration.keys.rollAt.map { abs($0.timeIntervalSince(rollAt)) < 1 } == true)
        let material = try IdPKeyMaterial(configuration: configuration)
        let current = try federation.text("keys/bridge-signing-cert.pem")
        let next = try federation.text("keys/next-signing-cert.pem")

        // Before: signed with the current key; both certificates published, current first.
        let before = try material.signedMetadata(configuration: configuration, now: Date())
        let published = try Self.signingKeyDescriptors(before, verifiedWith: current)
        #expect(published.count == 2)
        #expect(published[1] == material.nextSigningCertificateDER?.base64EncodedString())
        #expect(throws: (any Error).self) { try Self.signingKeyDescriptors(before, verifiedWith: next) }

        // After: the next key signs, and it alone is published; no restart in between.
        let after = try material.signedMetadata(configuration: configuration, now: rollAt.addingTimeInterval(1))
        #expect(try Self.signingKeyDescriptors(after, verifiedWith: next) == [material.nextSigningCertificateDER?.base64EncodedString()])
        #expect(material.signer(at: rollAt.addingTimeInterval(-1)).algorithm == .rsaSHA256)
        #expect(material.signer(at: rollAt).algorithm == .ecdsaSHA256)
    }

    @Test func theEditorKeepsTheRestOfTheFileAndReplacesEarlierSettings() throws {
        let shipped = try String(contentsOf: Repository.root.appendingPathComponent("config/bridge.yaml"), encoding: .utf8)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let once = try RolloverEditor.settingRollover(in: shipped, nextKey: "pkcs11:saml-2027", nextCertificate: "a.pem", rollAt: at)
        let twice = try RolloverEditor.settingRollover(in: once, nextKey: "pkcs11:saml-2028", nextCertificate: "b.pem", rollAt: at)
        #expect(twice.contains("    nextKey: pkcs11:saml-2028\n    nextCertificate: b.pem\n    rollAt: 2027-01-15T08:00:00Z"))
        #expect(!twice.contains("saml-2027") && !twice.contains("# nextCertificate"))
        // Every other line survives, in order.
        func otherLines(_ text: String) -> [String] {
            text.components(separatedBy: "\n").filter { line in !["nextKey", "nextCertificate", "rollAt"].contains { line.contains($0) } }
        }
        #expect(otherLines(twice) == otherLines(shipped))
        #expect(twice.contains("# nextKey / rollAt: written by"))
        #expect(throws: RolloverEditor.Failure.self) {
            try RolloverEditor.settingRollover(in: "entityID: x\n", nextKey: "k", nextCertificate: "c", rollAt: at)
        }
    }

    @Test func rollAtWithoutANextKeyIsAConfigurationError() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let yaml = ConfigFixture.yaml().replacingOccurrences(
            of: "    certificate: keys/signing-cert.pem", with: "    certificate: keys/signing-cert.pem\n    rollAt: 2027-01-01T00:00:00Z")
        #expect { try fixture.load(yaml) } throws: { error in
            (error as? ConfigurationError)?.description.contains("keys.signing.rollAt: needs keys.signing.nextKey") == true
        }
        let badTime = ConfigFixture.yaml().replacingOccurrences(
            of: "    certificate: keys/signing-cert.pem", with: "    certificate: keys/signing-cert.pem\n    rollAt: next tuesday")
        #expect { try fixture.load(badTime) } throws: { error in
            (error as? ConfigurationError)?.description.contains("keys.signing.rollAt: expected an ISO 8601 time") == true
        }
        let noToken = ConfigFixture.yaml().replacingOccurrences(of: "key: keys/signing-key.pem", with: "key: pkcs11:saml-signing")
        #expect { try fixture.load(noToken) } throws: { error in
            (error as? ConfigurationError)?.description.contains("keys.signing.key: names a token key, but there is no pkcs11 section") == true
        }
    }

    @Test func keysRollChecksTheNextKeyBeforeWriting() throws {
        let (federation, config) = try Self.federationWithNextKey()
        defer { try? FileManager.default.removeItem(at: federation.directory) }
        let bridge = try MetadataExportTests.bridgeExecutable()
        let original = try String(contentsOf: config, encoding: .utf8)
        let at = Date().addingTimeInterval(8 * 86400).formatted(.iso8601)

        // A key that does not belong to the certificate: refused, file unchanged.
        let mismatch = try ExternalToolTests.run(
            bridge,
            [
                "keys", "roll", "--config", config.path, "--next-key", "keys/rp-signing-key.pem",
                "--next-certificate", "keys/next-signing-cert.pem", "--at", at,
            ])
        #expect(mismatch.status != 0)
        #expect(try String(contentsOf: config, encoding: .utf8) == original)
        let past = try ExternalToolTests.run(
            bridge,
            [
                "keys", "roll", "--config", config.path, "--next-key", "keys/next-signing-key.pem",
                "--next-certificate", "keys/next-signing-cert.pem", "--at", "2020-01-01T00:00:00Z",
            ])
        #expect(past.status != 0 && past.output.contains("future"))

        let rolled = try ExternalToolTests.run(
            bridge,
            [
                "keys", "roll", "--config", config.path, "--next-key", "keys/next-signing-key.pem",
                "--next-certificate", "keys/next-signing-cert.pem", "--at", at,
            ])
        #expect(rolled.status == 0, "\(rolled.output)")
        let configuration = try ConfigurationLoader().load(file: config.path)
        #expect(configuration.keys.rollAt != nil && configuration.keys.nextSigningKey != nil)

        let list = try ExternalToolTests.run(bridge, ["keys", "list", "--config", config.path])
        #expect(list.status == 0, "\(list.output)")
        for expected in [
            "keys.signing.key", "keys.signing.nextKey", "signs from", "keys.encryption.key", "iamsmart.privateKey",
            "transferLog.treeHeadKey", "days)",
        ] {
            #expect(list.output.contains(expected), "\(expected) missing from: \(list.output)")
        }
    }
}
