import Crypto
import Foundation
import PKCS11Token
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// SHA-256 of some bytes.
enum SHA256Digest {
    static func of(_ data: Data) -> [UInt8] { Array(SHA256.hash(data: data)) }
}

/// `bridge keys generate --pkcs11` and `bridge keys list` against a SoftHSM2
/// token of their own: only these child processes write to it, as SoftHSM2
/// does not promise one process sees what another just wrote.
@Suite(.serialized, .enabled(if: TestTokens.commandLine != nil, "needs the SoftHSM2 token from scripts/test.sh"))
struct TokenKeysCommandTests {
    /// Runs the bridge with the token named in FB_PKCS11_* (as an operator's shell would).
    static func bridge(_ arguments: [String], token: TokenConfiguration) throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["FB_PKCS11_MODULE"] = token.modulePath
        environment["FB_PKCS11_TOKEN"] = token.tokenLabel
        environment["FB_PKCS11_PIN"] = token.pin
        return try ExternalToolTests.run(try MetadataExportTests.bridgeExecutable(), arguments, environment: environment)
    }

    @Test(arguments: ["rsa2048", "p256"])
    func generateMakesTheKeyInTheTokenAndWritesOnlyTheCertificate(_ alg: String) throws {
        let token = try #require(TestTokens.commandLine)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fb-keygen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let label = "cli-\(alg)-\(UUID().uuidString.prefix(8))"
        let made = try Self.bridge(["keys", "generate", "--pkcs11", "--alg", alg, "--label", label, "--out", folder.path], token: token)
        #expect(made.status == 0, "\(made.output)")
        #expect(made.output.contains("key: pkcs11:\(label)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["cert.pem"])
        #expect(!(try String(contentsOf: folder.appendingPathComponent("cert.pem"), encoding: .utf8)).contains("PRIVATE"))

        // The certificate holds the token key's public half: pkcs11-tool signs
        // with the key in the token, openssl verifies with the certificate.
        let data = folder.appendingPathComponent("data.bin")
        let signature = folder.appendingPathComponent("sig.bin")
        let publicKey = folder.appendingPathComponent("public.pem")
        let message = Data("<SignedInfo/>".utf8)
        // SoftHSM2 offers ECDSA over a digest only: hash here for P-256.
        try (alg == "p256" ? Data(SHA256Digest.of(message)) : message).write(to: data)
        // pkcs11-tool picks the key to sign with by ID, so look the ID up by label.
        let pkcs11Tool = try #require(ExternalToolTests.tool("pkcs11-tool"))
        let session = ["--module", token.modulePath, "--token-label", token.tokenLabel, "--login", "--pin", token.pin]
        let objects = try ExternalToolTests.run(pkcs11Tool, session + ["--list-objects", "--type", "privkey"])
        let lines = objects.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let labelLine = try #require(lines.firstIndex(of: "label:      \(label)"), "\(objects.output)")
        let id = try #require(lines[labelLine...].first { $0.hasPrefix("ID:") }).dropFirst(3).trimmingCharacters(in: .whitespaces)
        let signed = try ExternalToolTests.run(
            pkcs11Tool,
            session + [
                "--sign", "--mechanism", alg == "p256" ? "ECDSA" : "SHA256-RSA-PKCS", "--signature-format", "openssl",
                "--id", id, "--input-file", data.path, "--output-file", signature.path,
            ])
        #expect(signed.status == 0, "\(signed.output)")
        let openssl = try #require(ExternalToolTests.tool("openssl"))
        let extracted = try ExternalToolTests.run(openssl, ["x509", "-in", folder.appendingPathComponent("cert.pem").path, "-pubkey", "-noout"])
        try Data(extracted.output.utf8).write(to: publicKey)
        let verified =
            alg == "p256"
            ? try ExternalToolTests.run(
                openssl, ["pkeyutl", "-verify", "-pubin", "-inkey", publicKey.path, "-in", data.path, "-sigfile", signature.path])
            : try ExternalToolTests.run(openssl, ["dgst", "-sha256", "-verify", publicKey.path, "-signature", signature.path, data.path])
        #expect(verified.status == 0 && verified.output.contains("Verified"), "\(verified.output)")

        // The same label again is refused; nothing is overwritten.
        let again = try Self.bridge(["keys", "generate", "--pkcs11", "--alg", alg, "--label", label, "--out", folder.path], token: token)
        #expect(again.status != 0 && again.output.contains("already exists"))
        // Without a PIN in the environment: a usage error naming the variable.
        var noPIN = token
        noPIN.pin = ""
        let missing = try Self.bridge(["keys", "generate", "--pkcs11", "--alg", alg, "--label", label + "x", "--out", folder.path], token: noPIN)
        #expect(missing.status != 0 && missing.output.contains("FB_PKCS11_PIN"))
    }

    @Test func listShowsTokenKeysWithTheirRoles() throws {
        let token = try #require(TestTokens.commandLine)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fb-keylist-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let setup = SandboxFederation.SandboxToken(
            configuration: token, pinSetting: "env:FB_PKCS11_PIN", labelPrefix: "list-\(UUID().uuidString.prefix(8))-")
        let federation = try SandboxFederation(directory: folder, token: setup)
        let config = try federation.writeBridgeConfiguration(
            bridgeBaseURL: "http://127.0.0.1:9", listenPort: 9, iamSmartBaseURL: "http://127.0.0.1:10")
        let list = try Self.bridge(["keys", "list", "--config", config.path], token: token)
        #expect(list.status == 0, "\(list.output)")
        for role in ["keys.signing.key", "keys.encryption.key", "iamsmart.privateKey"] {
            let line = try #require(list.output.split(separator: "\n").first { $0.hasPrefix(role) }, "\(role) missing: \(list.output)")
            #expect(line.contains("pkcs11:\(setup.label(""))") && line.contains("RSA-2048"), "\(line)")
        }
        let treeHead = try #require(list.output.split(separator: "\n").first { $0.hasPrefix("transferLog.treeHeadKey") })
        #expect(treeHead.contains("Ed25519"))
        #expect(list.output.contains("days)"))
        #expect(!list.output.contains(token.pin))

        // A wrong PIN fails the listing with the token's reason.
        var wrong = token
        wrong.pin = "1"
        let refused = try Self.bridge(["keys", "list", "--config", config.path], token: wrong)
        #expect(refused.status != 0 && refused.output.contains("CKR_PIN_INCORRECT"), "\(refused.output)")
    }
}
