import Foundation
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// What the relying party received checks out with independent tools:
/// `xmlsec1` verifies the decrypted Assertion and the Response with our
/// signing certificate, and headless Chromium clicks through the demo pages.
@Suite(.serialized) struct ExternalToolTests {
    static func tool(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)", "/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        // Output goes to a file, read once the tool has exited: reading a pipe
        // can be interrupted by a signal on a busy machine, which Foundation
        // turns into a crash.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("fb-tool-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else { return (127, "cannot create \(output.path)") }
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        let data = (try? Data(contentsOf: output)) ?? Data()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs `Tests/browser/click_through.py` with `steps`, one Chromium at a time.
    static func clickThrough(_ steps: [[String: Any]]) async throws -> (status: Int32, output: String) {
        guard let python = tool("python3") else { return (127, "python3 is not installed; scripts/test.sh installs it") }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/browser/click_through.py").path
        let json = String(decoding: try JSONSerialization.data(withJSONObject: steps), as: UTF8.self)
        return try await ChromiumGate.shared.run {
            try await Task.detached { try run(python, [script, json]) }.value
        }
    }

    @Test(
        .enabled(if: tool("xmlsec1") != nil, "xmlsec1 is installed by scripts/test.sh"),
        arguments: [RelyingPartyOutcome.Binding.post, .artifact])
    func xmlsec1VerifiesTheReceivedAssertionAndResponse(binding: RelyingPartyOutcome.Binding) async throws {
        let xmlsec = try #require(Self.tool("xmlsec1"))
        try await FederationHarness.run { harness in
            let run = try await harness.signIn(as: "adult-basic", binding: binding)
            let outcome = try #require(run.outcome)
            #expect(outcome.verified)
            let assertion = try #require(outcome.decryptedAssertions.first)
            let cert = harness.federation.url("keys/bridge-signing-cert.pem").path
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fb-xmlsec-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let assertionFile = folder.appendingPathComponent("assertion.xml")
            try assertion.write(to: assertionFile)
            let verified = try Self.run(
                xmlsec,
                [
                    "--verify", "--pubkey-cert-pem", cert, "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                    assertionFile.path,
                ])
            #expect(verified.status == 0, "xmlsec1: \(verified.output)")
            let responseFile = folder.appendingPathComponent("response.xml")
            try outcome.responseXML.write(to: responseFile)
            let response = try Self.run(
                xmlsec,
                [
                    "--verify", "--pubkey-cert-pem", cert, "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response", responseFile.path,
                ])
            #expect(response.status == 0, "xmlsec1: \(response.output)")
            // Decryption with the relying party's key by xmlsec1 itself.
            let decrypted = try Self.run(
                xmlsec,
                [
                    "--decrypt", "--privkey-pem", harness.federation.url("keys/rp-encryption-key.pem").path, "--id-attr:ID",
                    "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", responseFile.path,
                ])
            #expect(decrypted.status == 0 && decrypted.output.contains("age_over_18"), "xmlsec1 --decrypt: \(decrypted.output.prefix(300))")
            // A tampered assertion fails.
            try Data(String(decoding: assertion, as: UTF8.self).replacingOccurrences(of: ">L2<", with: ">L3<").utf8).write(to: assertionFile)
            #expect(
                try Self.run(
                    xmlsec,
                    [
                        "--verify", "--pubkey-cert-pem", cert, "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion", assertionFile.path,
                    ]
                ).status != 0)
        }
    }

    /// A real browser applies the pages' CSP: with HTTP-Artifact the answer
    /// to the consent form is a redirect to the relying party, which only
    /// works if the consent page's `form-action` allows that ACS.
    @Test(
        .enabled(if: tool("chromium") != nil && tool("python3") != nil, "chromium is installed by scripts/test.sh"),
        arguments: [RelyingPartyOutcome.Binding.post, .artifact])
    func headlessChromiumClicksThroughTheDemo(binding: RelyingPartyOutcome.Binding) async throws {
        let artifacts =
            ProcessInfo.processInfo.environment["FB_ARTIFACTS_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("fb-artifacts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let consentShot = artifacts.appendingPathComponent("consent-\(binding).png")
        let resultShot = artifacts.appendingPathComponent("result-\(binding).png")
        let approvalShot = artifacts.appendingPathComponent("approval-\(binding).png")
        try? FileManager.default.removeItem(at: consentShot)
        try? FileManager.default.removeItem(at: resultShot)
        try await FederationHarness.run { harness in
            // POST binding: the return page submits itself (its one script is allowed by hash).
            let steps: [[String: String]] = [
                ["goto": harness.relyingPartyURL + "/"],
                ["click": binding == .post ? "#login-post" : "#login-artifact"],
                ["waitText": "(sandbox)"],
                ["click": "a.button.primary"],
                ["click": "#open-app"],
                ["click": "form button[value=approve]"],
                // The data request: the bridge waits while the resident approves it in the app.
                ["screenshot": approvalShot.path],
                ["click": "#open-approval"],
                ["click": "#approve-data"],
                ["goto": harness.bridgeURL + "/approval"],
                ["waitText": "GBA-SC-SANDBOX-0001"],
                ["screenshot": consentShot.path],
                ["click": "button[value=agree]"],
                ["waitText": "Verification passed"],
                ["screenshot": resultShot.path],
            ]
            let result = try await Self.clickThrough(steps)
            #expect(result.status == 0, "click_through.py: \(result.output)")
            #expect(result.output.contains("\"screenshot\""))
            for shot in [approvalShot, consentShot, resultShot] {
                let data = try Data(contentsOf: shot)
                #expect(data.count > 5000 && data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(shot.lastPathComponent) is not a PNG")
            }
            let outcome = await harness.relyingParty.outcomes().last
            #expect(outcome?.verified == true && outcome?.isSuccess == true)
            #expect(outcome?.binding == binding)
            #expect(try await harness.logEntries().count == 1)
        }
    }
}
