import AsyncHTTPClient
import Foundation
import Logging
import PIAChecks
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// `bridge serve` killed with SIGKILL at each step of a sign-in and started
/// again on the same store: the resident either finishes or gets a refusal
/// with a code, the relying party gets at most one answer, the transfer log
/// verifies with at most one entry, and no flow outlives its lifetime.
@Suite(.serialized) struct KillStepTests {
    enum Step: String, CaseIterable {
        /// The AuthnRequest was accepted (a flow and a replay entry exist).
        case afterRequest
        /// The consent page is shown (the iAM Smart data is in the sealed flow).
        case atConsent
        /// While the consent answer is being handled (the log append may or may not be done).
        case duringConsent
        /// The answer to the relying party is on its way (the entry is logged).
        case afterConsent
    }

    /// The child process and what it needs to start again.
    final class BridgeProcess: @unchecked Sendable {
        let executable: String
        let config: URL
        let port: Int
        private var process: Process?

        init(executable: String, config: URL, port: Int) {
            self.executable = executable
            self.config = config
            self.port = port
        }

        func start() async throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["serve", "--config", config.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            self.process = process
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            defer { _ = client.shutdown() }
            for _ in 0..<600 where process.isRunning {
                if let response = try? await client.get(url: "http://127.0.0.1:\(port)/healthz").get(), response.status == .ok { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw BrowserError("bridge serve did not come up")
        }

        func kill() {
            guard let process, process.isRunning else { return }
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test(arguments: Step.allCases)
    func killedAndStartedAgain(at step: Step) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fb-kill-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: FederationHarness.sharedKeys, to: directory.appendingPathComponent("keys"))
        let federation = try SandboxFederation(directory: directory)
        let port = try await FederationHarness.reservePort()
        let bridgeURL = "http://127.0.0.1:\(port)"
        var quiet = Logger(label: "test.kill")
        quiet.logLevel = .critical
        let iamSmart = IAMSmartSandbox(configuration: try federation.iamSmartSandboxConfiguration(bridgeBaseURL: bridgeURL), logger: quiet)
        let relyingParty = try GuangdongRelyingParty(configuration: try federation.relyingPartyConfiguration(bridgeBaseURL: bridgeURL), logger: quiet)
        let browser = TestBrowser()
        do {
            try await run(
                step, federation: federation, directory: directory, port: port, quiet: quiet, iamSmart: iamSmart, relyingParty: relyingParty,
                browser: browser)
        } catch {
            await browser.shutdown()
            throw error
        }
        await browser.shutdown()
    }

    func run(
        _ step: Step, federation: SandboxFederation, directory: URL, port: Int, quiet: Logger, iamSmart: IAMSmartSandbox,
        relyingParty: GuangdongRelyingParty, browser: TestBrowser
    ) async throws {
        let bridgeURL = "http://127.0.0.1:\(port)"
        try await withThrowingTaskGroup(of: Void.self) { group in
            let (iamSmartURL, relyingPartyURL) = try await federation.startPeers(iamSmart, relyingParty, in: &group)
            let file = try federation.writeBridgeConfiguration(
                bridgeBaseURL: bridgeURL, listenPort: port, iamSmartBaseURL: iamSmartURL, storeURL: "sqlite:\(directory.path)/var/bridge.sqlite",
                flowLifetime: "1m")
            let bridge = BridgeProcess(executable: try MetadataExportTests.bridgeExecutable(), config: file, port: port)
            try await bridge.start()
            defer { bridge.kill() }
            // The same store and log, read from here: a second reader, as a reviewer would be.
            let configuration = try ConfigurationLoader().load(file: file.path)
            var reader = try BridgeApplication(configuration: configuration, logger: quiet)
            let flow = try await reader.installFlow(clock: FlowClock())
            let harness = FederationHarness(
                federation: federation, bridgeURL: bridgeURL, relyingPartyURL: relyingPartyURL, iamSmartURL: iamSmartURL,
                relyingParty: relyingParty, iamSmart: iamSmart, flow: flow, services: reader.services, browser: browser, secondInstanceURL: nil)

            defer { Task { await flow.singleSignOn.iamSmart.shutdown() } }
            let (final, flowID) = try await signIn(harness, killing: bridge, at: step)
            // Either the sign-in finished, or the resident got a refusal with a code.
            let outcomes = await relyingParty.outcomes()
            #expect(outcomes.count <= 1, "\(step): the relying party was answered \(outcomes.count) times")
            if outcomes.first?.isSuccess != true {
                #expect(final.errorCode != nil || final.body.contains("not-signed-in"), "\(step): HTTP \(final.status) \(final.url.path)")
            }
            bridge.kill()
            let verified = try await flow.transferLog.verify()
            #expect(verified.entries <= 1, "\(step)")
            if outcomes.first?.isSuccess == true { #expect(verified.entries == 1, "\(step): a transfer without a log entry") }
            // Past the flow lifetime nothing personal is left in the store.
            let later = Date().addingTimeInterval(61)
            _ = try await reader.services.store.sweep(now: later)
            #expect(try await reader.services.store.flow(id: flowID, now: .distantPast) == nil, "\(step): flow still stored")
            try await flow.transferLog.store.close()
            group.cancelAll()
        }
    }

    /// Drives one sign-in, killing and restarting the bridge at `step`;
    /// returns the last page the resident saw and the flow's ID.
    func signIn(_ harness: FederationHarness, killing bridge: BridgeProcess, at step: Step) async throws -> (TestBrowser.Page, String) {
        let browser = harness.browser
        func restart() async throws {
            bridge.kill()
            try await bridge.start()
        }
        let (request, _) = try await harness.relyingParty.authnRequestURL(binding: .post)
        let accepted = try await browser.request(try harness.url(request))
        #expect(accepted.status == 303)
        let flowID = try await FaultFlowTests.currentFlowID(harness)
        if step == .afterRequest { try await restart() }
        let start = try await browser.open(try harness.url(harness.bridgeURL + "/start"))
        guard let handoff = start.link(containing: "button primary") else { return (start, flowID) }
        let qr = try await browser.open(handoff)
        let app = try await browser.open(try #require(qr.link(id: "open-app")))
        let form = try #require(app.forms.first { $0.fields.contains { $0.name == "resident" && $0.value == "adult-basic" } })
        let consent = try await harness.approve(form)
        guard consent.url.path == "/consent", let consentForm = consent.form(action: "/consent") else { return (consent, flowID) }
        if step == .atConsent { try await restart() }
        var delivery: TestBrowser.Page
        if step == .duringConsent {
            async let answer = browser.submit(consentForm, button: "agree")
            bridge.kill()
            delivery = (try? await answer) ?? consent
            try await bridge.start()
            // The resident tries again, as anyone would after an error.
            delivery = try await browser.submit(consentForm, button: "agree")
        } else {
            delivery = try await browser.submit(consentForm, button: "agree")
        }
        if step == .afterConsent { try await restart() }
        guard let back = delivery.forms.first(where: { $0.action.absoluteString.hasPrefix(harness.relyingPartyURL) }) else {
            return (delivery, flowID)
        }
        return (try await browser.submit(back), flowID)
    }
}
