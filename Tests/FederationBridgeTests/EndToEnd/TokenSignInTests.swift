import Foundation
import PIAChecks
import PKCS11Token
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// The SoftHSM2 tokens scripts/test.sh makes.
enum TestTokens {
    static let main = TokenConfiguration(environment: ProcessInfo.processInfo.environment, prefix: "FB_TEST_PKCS11_")
    /// A token of its own, reached through its own copy of the module, so
    /// taking it away disturbs no other test.
    static let removable = TokenConfiguration(environment: ProcessInfo.processInfo.environment, prefix: "FB_TEST_PKCS11_REMOVABLE_")
    /// A token only `bridge keys …` child processes write to.
    static let commandLine = main.flatMap { main in
        ProcessInfo.processInfo.environment["FB_TEST_PKCS11_CLI_TOKEN"].map {
            TokenConfiguration(modulePath: main.modulePath, tokenLabel: $0, pin: main.pin)
        }
    }
}

/// The bridge with every private key in a SoftHSM2 token (SAML signing,
/// assertion decryption, iAM Smart client key, tree-head key): the whole
/// sign-in works, what the token signed checks out with xmlsec1, and a token
/// that goes away stops transfers and readiness until it is back.
@Suite(.serialized, .enabled(if: TestTokens.removable != nil, "needs the SoftHSM2 tokens from scripts/test.sh"))
struct TokenSignInTests {
    static let environment = ProcessInfo.processInfo.environment
    static var removableToken: TokenConfiguration? { TestTokens.removable }

    static func sandboxToken(_ configuration: TokenConfiguration?) throws -> SandboxFederation.SandboxToken {
        SandboxFederation.SandboxToken(
            configuration: try #require(configuration), pinSetting: "env:FB_TEST_PKCS11_PIN",
            labelPrefix: "e2e-\(UUID().uuidString.prefix(8))-")
    }

    @Test(arguments: [RelyingPartyOutcome.Binding.post, .artifact])
    func signInWithEveryKeyInTheToken(binding: RelyingPartyOutcome.Binding) async throws {
        // The removable token: closing its sessions below must not disturb tests running meanwhile.
        try await FederationHarness.run(token: try Self.sandboxToken(Self.removableToken)) { harness in
            // No private key of the bridge's on disk: only certificates.
            let keyFiles = try FileManager.default.contentsOfDirectory(atPath: harness.federation.url("keys").path)
            for name in ["bridge-signing-key.pem", "bridge-encryption-key.pem", "iamsmart-client-key.pem", "tree-head-key.pem"] {
                #expect(!keyFiles.contains(name), "\(name) written to disk")
            }
            #expect(harness.flow.keys.tokenKeys.count == 4)

            let run = try await harness.signIn(as: "adult-basic", binding: binding)
            let outcome = try #require(run.outcome, "the RP received nothing")
            #expect(outcome.verified, "\(outcome.problem ?? "")")
            #expect(outcome.isSuccess && outcome.encrypted)

            // Sessions closed under the bridge (as at shutdown, or by a token reset) reopen by themselves.
            harness.flow.keys.closeTokens()
            #expect(try await harness.signIn(as: "adult-plus", binding: binding).outcome?.verified == true)

            // The tree heads the token signed verify with the published verifier key.
            let verifier = try TreeHeadVerifier(verifierKey: harness.flow.transferLog.verifier.verifierKey)
            #expect(try verifier.verify(noteText: try await harness.flow.transferLog.checkpoint()).size == 2)
            #expect(try await harness.flow.transferLog.verify().entries == 2)

            // xmlsec1 accepts the Response and the metadata the token signed.
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fb-token-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let cert = harness.federation.url("keys/bridge-signing-cert.pem")
            let metadata = try await harness.browser.request(try harness.url(harness.bridgeURL + "/saml/metadata"))
            #expect(metadata.status == 200)
            let xmlsec = try #require(ExternalToolTests.tool("xmlsec1"))
            let documents = [
                ("response", outcome.responseXML, "urn:oasis:names:tc:SAML:2.0:protocol:Response"),
                ("metadata", Data(metadata.body.utf8), "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"),
            ]
            for (name, xml, idAttribute) in documents {
                let file = dir.appendingPathComponent("\(name).xml")
                try xml.write(to: file)
                let result = try ExternalToolTests.run(xmlsec, ["--verify", "--pubkey-cert-pem", cert.path, "--id-attr:ID", idAttribute, file.path])
                #expect(result.status == 0, "xmlsec1 refused the token-signed \(name): \(result.output)")
            }
        }
    }

    @Test func aRemovedTokenStopsTransfersAndReadinessUntilItIsBack() async throws {
        let tokenDirectory = try #require(Self.environment["FB_TEST_PKCS11_REMOVABLE_DIR"])
        // Outside the token folder: SoftHSM2 takes any folder there for a token.
        let away = URL(fileURLWithPath: tokenDirectory).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("removed-\(UUID().uuidString)").path
        try await FederationHarness.run(token: try Self.sandboxToken(Self.removableToken)) { harness in
            let readyz = try harness.url(harness.bridgeURL + "/readyz")
            #expect(try await harness.browser.request(readyz).status == 200)
            #expect(try await harness.signIn(as: "adult-basic", binding: .post).outcome?.isSuccess == true)

            // A resident reaches the consent page; then the token goes away.
            let app = try await harness.openIAMSmartApp(binding: .post)
            let form = try #require(app.forms.first { $0.fields.contains { $0.value == "adult-basic" } })
            let consent = try await harness.approve(form)
            let consentForm = try #require(consent.form(action: "/consent"))
            try FileManager.default.moveItem(atPath: tokenDirectory, toPath: away)
            var restored = false
            defer { if !restored { try? FileManager.default.moveItem(atPath: away, toPath: tokenDirectory) } }
            let notReady = try await harness.browser.request(readyz)
            #expect(notReady.status == 503)
            #expect(notReady.body.contains("keys"), "\(notReady.body)")
            #expect(!notReady.body.contains(try #require(Self.removableToken?.pin)), "the PIN must not appear")

            // The transfer is refused: the verdict cannot be logged, so nothing leaves.
            let before = await harness.relyingParty.outcomes().count
            let refused = try await harness.browser.submit(consentForm, button: "agree")
            BadInputTests.expectRefusal(refused, 503, .transferLogUnavailable)
            #expect(!refused.body.contains("SAMLResponse") && !refused.body.contains("SAMLart"))
            #expect(await harness.relyingParty.outcomes().count == before)
            #expect(try await harness.logEntries().count == 1)

            // Back: ready again, and sign-in works without a restart.
            try FileManager.default.moveItem(atPath: away, toPath: tokenDirectory)
            restored = true
            var ready = try await harness.browser.request(readyz)
            for _ in 0..<10 where ready.status != 200 {
                try await Task.sleep(for: .milliseconds(200))
                ready = try await harness.browser.request(readyz)
            }
            #expect(ready.status == 200, "\(ready.body)")
            #expect(try await harness.signIn(as: "adult-basic", binding: .post).outcome?.isSuccess == true)
            #expect(try await harness.flow.transferLog.verify().entries == 2)
        }
    }
}
