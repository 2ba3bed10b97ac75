import Foundation
import Logging
import NIOCore
import NIOPosix
import PIAChecks
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// The tests' browser is the sandbox's scripted one.
typealias TestBrowser = SandboxBrowser

/// The bridge, the sandbox iAM Smart and the sandbox Guangdong relying party,
/// in-process on loopback, with a fresh SQLite store and transfer log in a
/// scratch folder. The sandboxes bind port 0; the bridge gets a free port
/// found just before start, because its base URL (in the configuration, the
/// sandbox's registered callback and the relying party's settings) must be
/// known before anything starts.
struct FederationHarness: Sendable {
    let federation: SandboxFederation
    let bridgeURL: String
    let relyingPartyURL: String
    let iamSmartURL: String
    let relyingParty: GuangdongRelyingParty
    let iamSmart: IAMSmartSandbox
    let flow: FederationFlow
    let services: BridgeServices
    let browser: TestBrowser
    /// A second bridge instance on the same store and configuration (as
    /// behind a load balancer), when asked for: its own port, same base URL.
    let secondInstanceURL: String?

    var clock: FlowClock { flow.clock }

    /// Keys take a moment to make: one set per test process, copied per harness.
    static let sharedKeys: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fb-e2e-keys-\(UUID().uuidString)")
        _ = try? SandboxFederation(directory: directory)
        return directory.appendingPathComponent("keys")
    }()

    /// - Parameter token: keep the bridge's keys in this PKCS#11 token instead of files.
    /// - Parameter allPages: also serve the `/preview/…` sample pages and the `/review` pages.
    /// - Parameter auditInterval: audit the whole transfer log this often instead of hourly.
    static func run(
        flowLifetime: String = "10m", storeURL: String? = nil, logs: LogRecorder? = nil, secondInstance: Bool = false,
        token: SandboxFederation.SandboxToken? = nil, allPages: Bool = false, auditInterval: Duration? = nil,
        _ body: @Sendable (FederationHarness) async throws -> Void
    ) async throws {
        // A reserved port is free only until it is bound: another test's
        // server may take it first. Before the body runs nothing else has
        // happened, so a fresh port and a fresh start are safe.
        for attempt in 1... {
            do {
                return try await runOnce(
                    flowLifetime: flowLifetime, storeURL: storeURL, logs: logs, secondInstance: secondInstance, token: token,
                    allPages: allPages, auditInterval: auditInterval, body)
            } catch is ReadySignal.PortTaken where attempt < 5 {
                continue
            }
        }
    }

    private static func runOnce(
        flowLifetime: String, storeURL: String?, logs: LogRecorder?, secondInstance: Bool, token: SandboxFederation.SandboxToken?,
        allPages: Bool, auditInterval: Duration?, _ body: @Sendable (FederationHarness) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fb-e2e-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        if token == nil { try FileManager.default.copyItem(at: sharedKeys, to: directory.appendingPathComponent("keys")) }
        let federation = try SandboxFederation(directory: directory, token: token)

        let port = try await reservePort()
        let bridgeURL = "http://127.0.0.1:\(port)"
        var quiet = Logger(label: "test.e2e")
        quiet.logLevel = .critical
        let iamSmart = IAMSmartSandbox(configuration: try federation.iamSmartSandboxConfiguration(bridgeBaseURL: bridgeURL), logger: quiet)
        let relyingParty = try GuangdongRelyingParty(
            configuration: try federation.relyingPartyConfiguration(bridgeBaseURL: bridgeURL), logger: quiet)
        let browser = TestBrowser()

        // The browser's HTTP client must be shut down on every path, set-up
        // failures included; leaving the group by throwing cancels the servers.
        do {
            try await serve(
                federation: federation, port: port, storeURL: storeURL, flowLifetime: flowLifetime, logs: logs, quiet: quiet,
                secondInstance: secondInstance, allPages: allPages, auditInterval: auditInterval, iamSmart: iamSmart, relyingParty: relyingParty,
                browser: browser, body)
        } catch {
            await browser.shutdown()
            throw error
        }
        await browser.shutdown()
    }

    private static func serve(
        federation: SandboxFederation, port: Int, storeURL: String?, flowLifetime: String, logs: LogRecorder?, quiet: Logger,
        secondInstance: Bool, allPages: Bool, auditInterval: Duration?, iamSmart: IAMSmartSandbox, relyingParty: GuangdongRelyingParty,
        browser: TestBrowser,
        _ body: @Sendable (FederationHarness) async throws -> Void
    ) async throws {
        let bridgeURL = "http://127.0.0.1:\(port)"
        try await withThrowingTaskGroup(of: Void.self) { group in
            let (iamSmartURL, relyingPartyURL) = try await federation.startPeers(iamSmart, relyingParty, in: &group)
            let file = try federation.writeBridgeConfiguration(
                bridgeBaseURL: bridgeURL, listenPort: port, iamSmartBaseURL: iamSmartURL, storeURL: storeURL, flowLifetime: flowLifetime)
            var configuration = try ConfigurationLoader().load(file: file.path)
            if let auditInterval { configuration.transferLog.auditInterval = auditInterval }
            var bridgeLogger = quiet
            if let logs {
                bridgeLogger = Logger(label: "test.e2e.bridge") { _ in logs.handler() }
            }
            var bridge = try BridgeApplication(configuration: configuration, logger: bridgeLogger, previewPages: allPages)
            let flow = try await bridge.installFlow(clock: FlowClock())
            if allPages { try bridge.installReview(flow: flow) }
            let ready = ReadySignal()
            let application = bridge
            group.addTask {
                try await ready.reportEnd { try await application.makeApplication(onServerRunning: { _ in await ready.fire() }).run() }
            }
            try await ready.waitForPort()
            var secondInstanceURL: String?
            if secondInstance {
                var second = configuration
                second.listen.port = try await reservePort()
                var instance = try BridgeApplication(configuration: second, logger: bridgeLogger)
                try await instance.installFlow(clock: FlowClock())
                let secondReady = ReadySignal()
                let secondApplication = instance
                group.addTask {
                    try await secondReady.reportEnd {
                        try await secondApplication.makeApplication(onServerRunning: { _ in await secondReady.fire() }).run()
                    }
                }
                try await secondReady.waitForPort()
                secondInstanceURL = "http://127.0.0.1:\(second.listen.port)"
            }
            let harness = FederationHarness(
                federation: federation, bridgeURL: bridgeURL, relyingPartyURL: relyingPartyURL, iamSmartURL: iamSmartURL,
                relyingParty: relyingParty, iamSmart: iamSmart, flow: flow, services: application.services, browser: browser,
                secondInstanceURL: secondInstanceURL)
            try await body(harness)
            group.cancelAll()
        }
    }

    /// A free loopback port for a server that starts later: bound, read and
    /// released. Taken below the kernel's ephemeral range, so the sandbox
    /// peers and clients (which bind port 0) cannot be handed it meanwhile.
    static func reservePort() async throws -> Int {
        let low = ephemeralRangeStart()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<64 {
            let candidate = Int.random(in: (low / 2)..<low, using: &generator)
            guard
                let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .bind(host: "127.0.0.1", port: candidate).get()
            else { continue }
            try await channel.close()
            return candidate
        }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    /// The first port the kernel hands out for port 0 (32768 unless configured).
    private static func ephemeralRangeStart() -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let low = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32768
        return low > 2048 ? low : 32768
    }

    // MARK: Driving a sign-in like a resident

    struct SignIn {
        var startPage: TestBrowser.Page
        var consentPage: TestBrowser.Page?
        /// The bridge's page that returns the resident to the relying party (POST binding or refusal).
        var deliveryPage: TestBrowser.Page?
        var relyingPartyPage: TestBrowser.Page
        var outcome: RelyingPartyOutcome?
        var flowID: String?
    }

    enum Decision: String { case agree, decline }

    /// RP start → bridge /saml/sso → start page → iAM Smart sandbox approve
    /// page → /iamsmart/callback → consent → decision → back to the RP.
    /// Follows a fresh AuthnRequest up to the sandbox iAM Smart app page,
    /// where a resident approves or declines.
    func openIAMSmartApp(binding: RelyingPartyOutcome.Binding) async throws -> TestBrowser.Page {
        let (url, _) = try await relyingParty.authnRequestURL(binding: binding)
        let start = try await browser.open(try self.url(url))
        let qr = try await browser.open(try #require(start.link(containing: "button primary")))
        return try await browser.open(try #require(qr.link(id: "open-app")))
    }

    /// RP start → bridge → iAM Smart sandbox approve → callback; returns the
    /// page the callback leads to (the consent page, or a refusal on its way
    /// back to the RP) and the start page.
    func approveInIAMSmart(
        as resident: String, binding: RelyingPartyOutcome.Binding, claims: (name: String, birthDate: String)? = nil,
        requestedAuthnContext: AuthnRequest.RequestedAuthnContext? = nil, party: GuangdongRelyingParty? = nil
    ) async throws -> (start: TestBrowser.Page, afterCallback: TestBrowser.Page) {
        let start: TestBrowser.Page
        if let party {
            start = try await browser.open(try url(try await party.authnRequestURL(binding: binding).url))
        } else if let requestedAuthnContext {
            let (request, _) = try await relyingParty.authnRequestURL(
                binding: binding, overrides: .init(requestedAuthnContext: requestedAuthnContext))
            start = try await browser.open(try url(request))
        } else {
            let rpStart = try await browser.open(try url(relyingPartyURL + "/"))
            guard let login = rpStart.form(action: "/login") else { throw BrowserError("RP start page has no login form") }
            var overriding: [String: String] = [:]
            if let claims {
                overriding = ["claimCheck": "1", "claimedName": claims.name, "claimedBirthDate": claims.birthDate]
            }
            start = try await browser.submit(login, button: binding == .post ? "post" : "artifact", overriding: overriding)
        }
        guard start.status == 200, start.url.path == "/start", let handoff = start.link(containing: "button primary") else {
            throw BrowserError("expected the bridge start page, got \(start.status) \(start.url) \(start.errorCode ?? "")")
        }
        let qrPage = try await browser.open(handoff)
        guard let appLink = qrPage.link(id: "open-app") else { throw BrowserError("no sandbox app link on \(qrPage.url)") }
        let app = try await browser.open(appLink)
        guard let form = app.forms.first(where: { $0.fields.contains { $0.name == "resident" && $0.value == resident } }) else {
            throw BrowserError("resident \(resident) not offered by the sandbox app")
        }
        var afterCallback = try await browser.submit(form, button: "approve")
        // A step-up (face re-authentication) sends the resident to the app once more.
        if afterCallback.url.absoluteString.hasPrefix(iamSmartURL), let again = afterCallback.link(id: "open-app") {
            let app = try await browser.open(again)
            guard let form = app.forms.first(where: { $0.fields.contains { $0.name == "resident" && $0.value == resident } }) else {
                throw BrowserError("resident \(resident) not offered by the sandbox app on re-authentication")
            }
            afterCallback = try await browser.submit(form, button: "approve")
        }
        // The data request: approved in the app, then the waiting page continues.
        if afterCallback.url.path == "/approval" {
            afterCallback = try await answerDataRequest(from: afterCallback, approve: true)
        }
        return (start, afterCallback)
    }

    /// Approves the sign-in on the sandbox app page and the data request
    /// that follows: the page after (consent, or a refusal).
    func approve(_ appForm: TestBrowser.Form) async throws -> TestBrowser.Page {
        try await approvingData(try await browser.submit(appForm, button: "approve"))
    }

    /// `page` itself, or, when it is the bridge's waiting page, the page after
    /// the data request is approved.
    func approvingData(_ page: TestBrowser.Page) async throws -> TestBrowser.Page {
        page.url.path == "/approval" ? try await answerDataRequest(from: page, approve: true) : page
    }

    /// From the bridge's waiting page: opens the request in the sandbox app,
    /// answers it, and returns to the bridge's waiting page once more.
    func answerDataRequest(from waiting: TestBrowser.Page, approve: Bool) async throws -> TestBrowser.Page {
        guard let open = waiting.link(id: "open-approval") else {
            throw BrowserError("waiting page without the iAM Smart link: \(waiting.status) \(waiting.body.prefix(300))")
        }
        let ticket = try await browser.open(open)
        guard let form = ticket.form(action: "/sandbox/app/ticket") else {
            throw BrowserError("sandbox data request page without a form: \(ticket.status) \(ticket.body.prefix(300))")
        }
        _ = try await browser.submit(form, button: approve ? "approve" : "decline")
        return try await browser.open(try url(bridgeURL + "/approval"))
    }

    /// Up to the consent page and its form.
    func reachConsent(as resident: String, binding: RelyingPartyOutcome.Binding) async throws -> (page: TestBrowser.Page, form: TestBrowser.Form) {
        let (_, consent) = try await approveInIAMSmart(as: resident, binding: binding)
        guard consent.status == 200, consent.url.path == "/consent", let consentForm = consent.form(action: "/consent") else {
            throw BrowserError(
                "expected the consent page, got \(consent.status) \(consent.url) \(consent.errorCode ?? "") \(consent.body.prefix(400))")
        }
        return (consent, consentForm)
    }

    func signIn(
        as resident: String, binding: RelyingPartyOutcome.Binding, decision: Decision = .agree, claims: (name: String, birthDate: String)? = nil,
        requestedAuthnContext: AuthnRequest.RequestedAuthnContext? = nil, party: GuangdongRelyingParty? = nil
    ) async throws -> SignIn {
        let relyingParty = party ?? relyingParty
        let relyingPartyURL = party == nil ? relyingPartyURL : try await relyingParty.baseURL()
        let before = await relyingParty.outcomes().count
        let (start, afterCallback) = try await approveInIAMSmart(
            as: resident, binding: binding, claims: claims, requestedAuthnContext: requestedAuthnContext, party: party)
        var consentPage: TestBrowser.Page?
        var page = afterCallback
        if afterCallback.status == 200, afterCallback.url.path == "/consent", let consentForm = afterCallback.form(action: "/consent") {
            consentPage = afterCallback
            page = try await browser.submit(consentForm, button: decision.rawValue)
        }
        let flowID = (consentPage ?? afterCallback).body.range(of: "fl-[a-z2-7]{26}", options: .regularExpression)
            .map { String((consentPage ?? afterCallback).body[$0]) }
        var delivery: TestBrowser.Page?
        if page.url.absoluteString.hasPrefix(bridgeURL) {
            delivery = page
            guard let back = page.forms.first(where: { $0.action.absoluteString.hasPrefix(relyingPartyURL) }) else {
                throw BrowserError("delivery page without a form to the RP: \(page.status) \(page.body.prefix(400))")
            }
            page = try await browser.submit(back)
        }
        let outcomes = await relyingParty.outcomes()
        return SignIn(
            startPage: start, consentPage: consentPage, deliveryPage: delivery, relyingPartyPage: page,
            outcome: outcomes.count > before ? outcomes.last : nil, flowID: flowID)
    }

    /// `policy` (the YAML text) with one more recipient, registered as an operator would.
    static func policy(_ policy: String, addingRecipient entityID: String, legalEntity: String, filingReference: String) -> String {
        let host = URL(string: entityID)?.host ?? "partner.example.cn"
        return policy.replacingOccurrences(
            of: "recipients:\n",
            with: """
                recipients:
                  - entityID: \(entityID)
                    legalEntity: \(legalEntity)
                    city: Shenzhen
                    standardContract:
                      filingReference: \(filingReference)
                      filedOn: 2026-11-01
                    contact: privacy@\(host)
                    retentionDays: 30
                    onwardTransferExcluded: true
                    maxTransfersPerHour: 10

                """)
    }

    func url(_ text: String) throws -> URL {
        guard let url = URL(string: text) else { throw BrowserError("bad URL \(text)") }
        return url
    }

    /// Entries in the transfer log, decoded.
    func logEntries() async throws -> [PIAChecksEntry] {
        try await flow.transferLog.entries(filter: .init()).compactMap(\.entry).map(PIAChecksEntry.init)
    }
}

/// What the tests read from a transfer log entry.
struct PIAChecksEntry {
    var decision: String
    var recipient: String
    var failed: [String]
    var attributes: [String]
    var consentDigest: String

    init(_ entry: TransferLogEntry) {
        decision = entry.decision.rawValue
        recipient = entry.recipient
        failed = entry.checks.filter { !$0.passed }.map(\.id)
        attributes = entry.attributes.map(\.name)
        consentDigest = entry.consentDigest
    }
}

/// Fires once the server listens, or fails when it stops before (a port
/// taken, a bad configuration), so a test that waits for it fails instead
/// of waiting for ever.
actor ReadySignal {
    struct ServerEnded: Error, CustomStringConvertible {
        let reason: String
        var description: String { "the server stopped before it listened: \(reason)" }
    }

    private var outcome: Result<Void, any Error>?
    private var waiters: [CheckedContinuation<Void, any Error>] = []

    func fire() { settle(.success(())) }

    func fail(_ reason: String) { settle(.failure(ServerEnded(reason: reason))) }

    /// Runs the server and fails the signal when it ends without having fired.
    nonisolated func reportEnd(_ server: @Sendable () async throws -> Void) async throws {
        do {
            try await server()
        } catch {
            await fail("\(error)")
            throw error
        }
        await fail("it returned")
    }

    private func settle(_ result: Result<Void, any Error>) {
        guard outcome == nil else { return }
        outcome = result
        for waiter in waiters { waiter.resume(with: result) }
        waiters = []
    }

    func wait() async throws {
        if let outcome { return try outcome.get() }
        try await withCheckedThrowingContinuation { waiters.append($0) }
    }

    /// The server could not bind its reserved port: someone took it first.
    struct PortTaken: Error, CustomStringConvertible {
        let reason: String
        var description: String { "the reserved port was taken before the server bound it: \(reason)" }
    }

    /// `wait()`, with a bind refused because the port is in use told apart.
    func waitForPort() async throws {
        do {
            try await wait()
        } catch let error as ServerEnded where error.reason.contains("Address already in use") {
            throw PortTaken(reason: error.reason)
        }
    }
}

/// Keeps every log record the bridge writes, to check what logs carry.
final class LogRecorder: @unchecked Sendable {
    struct Record {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]

        var text: String { ([message] + metadata.map { "\($0.key)=\($0.value)" }).joined(separator: " ") }
    }

    private let lock = NSLock()
    private var _records: [Record] = []
    var records: [Record] { lock.withLock { _records } }

    func append(_ record: Record) { lock.withLock { _records.append(record) } }

    func handler() -> Handler { Handler(recorder: self) }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String, function: String,
            line: UInt
        ) {
            let merged = metadata.merging(explicit ?? [:]) { $1 }
            recorder.append(Record(level: level, message: message.description, metadata: merged.mapValues { "\($0)" }))
        }
    }
}
