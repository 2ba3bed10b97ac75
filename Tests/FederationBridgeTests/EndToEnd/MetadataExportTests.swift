import FederationBridge
import Foundation
import SAMLMapper
import Sandbox
import Testing

/// `bridge metadata export --config` publishes what `GET /saml/metadata` serves.
@Suite struct MetadataExportTests {
    /// The `bridge` executable sits beside the test bundle in the build products.
    static func bridgeExecutable() throws -> String {
        let products = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        let candidates = [products, Bundle.main.bundleURL.deletingLastPathComponent()].map { $0.appendingPathComponent("bridge").path }
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "build with swift build --build-tests")
    }

    @Test func exportFromConfigurationIsSignedByTheConfiguredKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fb-metadata-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let federation = try SandboxFederation(directory: folder)
        let config = try federation.writeBridgeConfiguration(
            bridgeBaseURL: "http://127.0.0.1:9", listenPort: 9, iamSmartBaseURL: "http://127.0.0.1:10")

        let export = try ExternalToolTests.run(try Self.bridgeExecutable(), ["metadata", "export", "--config", config.path])
        #expect(export.status == 0, "\(export.output)")
        let document = try XMLDocument(parsing: Data(export.output.utf8))
        let certificate = try String(contentsOf: federation.url("keys/bridge-signing-cert.pem"), encoding: .utf8)
        let verified = try SignatureVerifier(trustedKeys: [try SigningPublicKey(pem: certificate)], policy: .default)
            .verifyRoot(of: document)
        #expect(verified.localName == "EntityDescriptor")
        #expect(verified.attribute("entityID") == federation.bridgeEntityID)
        #expect(export.output.contains("http://127.0.0.1:9/saml/sso"))

        // A key option beside --config is refused rather than silently ignored.
        let mixed = try ExternalToolTests.run(
            try Self.bridgeExecutable(), ["metadata", "export", "--config", config.path, "--entity-id", "https://other.example"])
        #expect(mixed.status != 0)
        #expect(mixed.output.contains("--config takes everything from the configuration"))
    }
}
