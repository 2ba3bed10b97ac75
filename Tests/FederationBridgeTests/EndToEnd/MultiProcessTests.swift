import FederationBridge
import Foundation
import Logging
import PIAChecks
import SAMLMapper
import Sandbox
import Testing

/// Two `bridge serve` processes on one PostgreSQL database, as behind a load
/// balancer: the sandboxes run in this process, the bridges are real child
/// processes that can be killed.
@Suite(.serialized) struct MultiProcessTests {
    /// Sandboxes, configuration and two bridge processes sharing `storeURL`.
    struct Instances: Sendable {
        let federation: SandboxFederation
        let baseURL: String
        let relyingParty: GuangdongRelyingParty
        let relyingPartyURL: URL
        let bridges: [BridgeServeProcess]
        let configuration: URL
        let browser: SandboxBrowser

        /// A browser whose requests for the bridge go to `instance`, or to
        /// each instance in turn when `instance` is nil.
        func resident(on instance: Int?) -> SandboxBrowser {
            let resident = SandboxBrowser(sharing: browser.client)
            resident.route = route(to: instance)
            return resident
        }

        func route(to instance: Int?) -> @Sendable (URL) -> URL {
            InstanceRouting.route(baseURL: baseURL, instances: bridges.map(\.url), pinned: instance)
        }

        func signIn(_ binding: RelyingPartyOutcome.Binding) -> ScriptedSignIn {
            ScriptedSignIn(relyingPartyURL: relyingPartyURL, binding: binding)
        }

        /// The transfer log as stored, verified as one tree with the bridge's key.
        func verifiedLogSize() async throws -> Int {
            let configuration = try ConfigurationLoader().load(file: self.configuration.path)
            let verifier = try IdPKeyMaterial(configuration: configuration).treeHeadSigner.verifier
            let store = try await configuration.store.openTransferLog(logger: PostgresTestServer.quietLogger)
            let log = TransferLog(store: store, verifier: verifier)
            let size = try await log.verify().entries
            if let postgres = store as? PostgresTransferLogStore { try await postgres.close() }
            return size
        }

        func readyStatus(_ instance: Int) async throws -> Int {
            try await browser.request(try #require(URL(string: bridges[instance].url + "/readyz"))).status
        }
    }

    static func withInstances(storeURL: String, _ body: @Sendable (Instances) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fb-multi-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: FederationHarness.sharedKeys, to: directory.appendingPathComponent("keys"))
        var federation = try SandboxFederation(directory: directory)
        // These tests drive flows as fast as the machine allows; the volume
        // check (tested on its own) must not take them for an anomaly.
        federation.volumeBaseline = 100_000
        let ports = [try await FederationHarness.reservePort(), try await FederationHarness.reservePort()]
        let baseURL = "http://127.0.0.1:\(ports[0])"
        var quiet = Logger(label: "test.multi")
        quiet.logLevel = .critical
        let iamSmart = IAMSmartSandbox(configuration: try federation.iamSmartSandboxConfiguration(bridgeBaseURL: baseURL), logger: quiet)
        let relyingParty = try GuangdongRelyingParty(
            configuration: try federation.relyingPartyConfiguration(bridgeBaseURL: baseURL), logger: quiet)
        let browser = SandboxBrowser()
        let executable = URL(fileURLWithPath: try MetadataExportTests.bridgeExecutable())
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (iamSmartURL, relyingPartyURL) = try await federation.startPeers(iamSmart, relyingParty, in: &group)
                let file = try federation.writeBridgeConfiguration(
                    bridgeBaseURL: baseURL, listenPort: ports[0], iamSmartBaseURL: iamSmartURL, storeURL: storeURL)
                let second = try federation.writeInstanceConfiguration(from: file, listenPort: ports[1], name: "bridge-b")
                var bridges: [BridgeServeProcess] = []
                defer { for bridge in bridges { bridge.stop() } }
                for (index, configuration) in [file, second].enumerated() {
                    bridges.append(
                        try await BridgeServeProcess(
                            executable: executable, configuration: configuration, url: "http://127.0.0.1:\(ports[index])",
                            outputFile: directory.appendingPathComponent("bridge-\(index).out"), browser: browser))
                }
                let instances = Instances(
                    federation: federation, baseURL: baseURL, relyingParty: relyingParty,
                    relyingPartyURL: try #require(URL(string: relyingPartyURL + "/")), bridges: bridges, configuration: file, browser: browser)
                try await body(instances)
                group.cancelAll()
            }
        } catch {
            await browser.shutdown()
            throw error
        }
        await browser.shutdown()
    }

    @Test func flowsCrossInstancesAndOneLogVerifies() async throws {
        try await PostgresTestServer.withSchema("Multi_") { schema in
            try await Self.withInstances(storeURL: try PostgresTestServer.url(schema: schema)) { instances in
                // Every request of a flow goes to the other instance than the one before.
                for binding in [RelyingPartyOutcome.Binding.post, .artifact, .post, .artifact] {
                    let resident = instances.resident(on: nil)
                    try await instances.signIn(binding).run(in: resident)
                    let ports = Set(resident.visits.filter { $0.path.hasPrefix("/saml/sso") || $0.path == "/consent" }.compactMap(\.port))
                    #expect(ports.count == 1, "visits name the base URL; routing is underneath")
                }
                // Flows started wholly on A and wholly on B, concurrently.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<6 {
                        group.addTask {
                            try await instances.signIn(index % 2 == 0 ? .post : .artifact).run(in: instances.resident(on: index % 2))
                        }
                    }
                    try await group.waitForAll()
                }
                let outcomes = await instances.relyingParty.outcomes()
                #expect(outcomes.count == 10 && outcomes.allSatisfy { $0.isSuccess && $0.verified })
                #expect(try await instances.verifiedLogSize() == 10)
            }
        }
    }

    @Test func anAuthnRequestReplayedToTheOtherInstanceIsRefused() async throws {
        try await PostgresTestServer.withSchema("Multi_") { schema in
            try await Self.withInstances(storeURL: try PostgresTestServer.url(schema: schema)) { instances in
                let (request, _) = try await instances.relyingParty.authnRequestURL(binding: .post)
                let url = try #require(URL(string: request))
                let first = try await instances.resident(on: 0).open(url)
                #expect(first.status == 200 && first.url.path == "/start")
                let replay = try await instances.resident(on: 1).open(url)
                #expect(replay.status >= 400)
                #expect(replay.errorCode == "replayed-request")
            }
        }
    }

    @Test func anArtifactIssuedByOneInstanceResolvesOnceOnTheOther() async throws {
        try await PostgresTestServer.withSchema("Multi_") { schema in
            try await Self.withInstances(storeURL: try PostgresTestServer.url(schema: schema)) { instances in
                let resident = instances.resident(on: 0)
                let signIn = instances.signIn(.artifact)
                let delivery = try await resident.submit(try await signIn.reachConsent(in: resident), button: "agree", following: false)
                // The artifact reaches the relying party in a redirect or a form; either way it is not resolved yet.
                let location = delivery.headers.first(name: "Location").flatMap(URLComponents.init(string:))
                let artifact = try #require(
                    location?.queryItems?.first { $0.name == "SAMLart" }?.value
                        ?? delivery.forms.lazy.compactMap { $0.fields.first { $0.name == "SAMLart" }?.value }.first)
                let envelope = try instances.relyingParty.artifactResolveEnvelope(artifact: artifact)
                let resolveURL = try #require(URL(string: instances.bridges[1].url + "/saml/artifact"))
                let headers = [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "http://www.oasis-open.org/committees/security")]
                let first = try await instances.browser.request(resolveURL, method: .POST, headers: headers, rawBody: envelope)
                let second = try await instances.browser.request(resolveURL, method: .POST, headers: headers, rawBody: envelope)
                #expect(first.status == 200 && first.body.contains("EncryptedAssertion"))
                #expect(second.status == 200 && !second.body.contains("EncryptedAssertion"))
                #expect(second.body.contains(SAMLStatus.requester) || second.body.contains(SAMLStatus.responder))
            }
        }
    }

    /// SIGKILL of A while residents are mid-flow on it: every flow that was
    /// answered has its log entry, the log verifies, and a resident whose flow
    /// died with A starts again on B.
    @Test func killingAnInstanceMidFlowLosesNoAcknowledgedEntry() async throws {
        try await PostgresTestServer.withSchema("Multi_") { schema in
            try await Self.withInstances(storeURL: try PostgresTestServer.url(schema: schema)) { instances in
                let acknowledged = Counter()
                let stranded = instances.resident(on: 0)
                let strandedConsent = try await instances.signIn(.post).reachConsent(in: stranded)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<6 {
                        group.addTask {
                            while true {
                                let resident = instances.resident(on: 0)
                                guard let consent = try? await instances.signIn(.post).reachConsent(in: resident) else { return }
                                guard let delivery = try? await resident.submit(consent, button: "agree"),
                                    delivery.forms.contains(where: { $0.fields.contains { $0.name == "SAMLResponse" } })
                                else { return }
                                await acknowledged.increment()
                            }
                        }
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(4))
                        instances.bridges[0].kill()
                    }
                    try await group.waitForAll()
                }
                #expect(!instances.bridges[0].isRunning)
                let answered = await acknowledged.value
                let logged = try await instances.verifiedLogSize()
                #expect(answered > 0)
                #expect(logged >= answered, "every Response that left has its entry: \(logged) logged, \(answered) answered")
                #expect(logged <= answered + 6, "at most one entry per flow in progress at the kill")

                // A resident waiting at consent on A when it died goes on at B: the
                // flow lives in the shared store, not in the process.
                stranded.route = instances.route(to: 1)
                let signIn = instances.signIn(.post)
                do {
                    try await signIn.finish(from: try await stranded.submit(strandedConsent, button: "agree"), in: stranded)
                } catch {
                    let outcome = await instances.relyingParty.outcomes().last
                    Issue.record(
                        "\(error); relying party saw \(outcome?.statusCode ?? "-") \(outcome?.subStatusCode ?? "-") \(outcome?.statusMessage ?? "-") \(outcome?.problem ?? "-")"
                    )
                }
                // And anyone can start afresh on B.
                try await signIn.run(in: instances.resident(on: 1))
                #expect(try await instances.verifiedLogSize() == logged + 2)
            }
        }
    }

    /// The database goes away under two running bridges: both say so on
    /// `/readyz`, nothing is transferred, and when it is back they recover
    /// without a restart.
    @Test(.enabled(if: FaultFlowTests.OwnPostgres.available, "needs root and PostgreSQL (scripts/test.sh)"))
    func postgresStoppedRefusesEveryTransferAndRecoversWithoutARestart() async throws {
        let server = try await FaultFlowTests.OwnPostgres.make()
        defer { server.remove() }
        try await Self.withInstances(storeURL: server.url) { instances in
            try await instances.signIn(.post).run(in: instances.resident(on: 0))
            let waiting = instances.resident(on: 1)
            let consent = try await instances.signIn(.post).reachConsent(in: waiting)

            try server.stop()
            for instance in 0..<2 {
                #expect(try await Self.eventually { try await instances.readyStatus(instance) == 503 }, "instance \(instance) reports the store")
            }
            // The step waits for a connection until the request deadline ends it.
            let refused = try await waiting.submit(consent, button: "agree")
            #expect(refused.status == 503 && refused.errorCode == "busy", "\(refused.status) \(refused.errorCode ?? "")")
            #expect((try? await instances.signIn(.post).run(in: instances.resident(on: 0))) == nil)

            try server.start()
            for instance in 0..<2 {
                #expect(try await Self.eventually { try await instances.readyStatus(instance) == 200 }, "instance \(instance) recovers")
            }
            try await instances.signIn(.artifact).run(in: instances.resident(on: 1))
            let outcomes = await instances.relyingParty.outcomes()
            #expect(outcomes.filter(\.isSuccess).count == 2)
            // The cancelled step did not finish as a transfer once the server was back.
            #expect(try await instances.verifiedLogSize() == 2)
        }
    }

    /// Whether `condition` holds within 30 s, polled every 200 ms.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while clock.now < deadline {
            if (try? await condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    actor Counter {
        private(set) var value = 0
        func increment() { value += 1 }
    }
}
