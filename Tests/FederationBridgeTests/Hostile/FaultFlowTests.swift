import Foundation
import PIAChecks
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// Faults in the parts the bridge depends on, during a sign-in: iAM Smart
/// failing in each way it can, the store's disk full or read-only, the
/// PostgreSQL server stopped. Each ends in a refusal with a code, nothing
/// reaches the relying party that should not, nothing personal outlives the
/// flow lifetime, and the transfer log verifies.
@Suite(.serialized) struct FaultFlowTests {
    /// Strings from the sandbox resident that must never appear in a log record.
    static let personal = ["沙盒基本", "SANDBOX", "Basic Adult", "A123456"]

    /// Once the flow lifetime has passed and the sweeper has run, the flow's
    /// sealed state is gone from the store (looked up as if it had never
    /// expired), and the log verifies.
    static func expectNothingPersonalLeft(
        _ harness: FederationHarness, flowID: String, lifetime: TimeInterval, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        harness.clock.advance(by: lifetime + 1)
        _ = try await harness.services.store.sweep(now: harness.clock.now())
        #expect(
            try await harness.services.store.flow(id: flowID, now: .distantPast) == nil, "flow \(flowID) still stored", sourceLocation: sourceLocation
        )
        _ = try await harness.flow.transferLog.verify()
    }

    /// The flow the browser's session points to, read from the store.
    static func currentFlowID(_ harness: FederationHarness) async throws -> String {
        let session = try #require(harness.browser.cookie(harness.services.sessions.cookieName))
        let sealed = try #require(try await harness.services.vault.flow(id: FlowStore.pointerID(sessionID: session)))
        return try FlowStore.decode(FlowPointer.self, sealed).flowID
    }

    /// The flow ID a page names (consent pages and error pages carry it as the reference).
    static func flowID(_ page: TestBrowser.Page) throws -> String {
        try #require(
            page.body.range(of: "fl-[a-z2-7]{26}", options: .regularExpression).map { String(page.body[$0]) }, "no flow ID on \(page.url.path)")
    }

    static func expectNoPersonalData(in logs: LogRecorder, sourceLocation: SourceLocation = #_sourceLocation) {
        for record in logs.records {
            for value in personal {
                #expect(!record.text.contains(value), "log record carries \(value): \(record.message)", sourceLocation: sourceLocation)
            }
        }
    }

    // MARK: iAM Smart

    @Test(arguments: [
        SandboxFaults(serverError: true), SandboxFaults(malformedJSON: true), SandboxFaults(wrongGCMTag: true),
        SandboxFaults(dropConnection: true),
        // Slower than the bridge's iAM Smart request timeout (10 s by default).
        SandboxFaults(delay: .seconds(11)),
    ])
    func iamSmartFailingIsARefusalThatLeavesNothing(fault: SandboxFaults) async throws {
        let logs = LogRecorder()
        try await FederationHarness.run(flowLifetime: "1m", logs: logs) { harness in
            let app = try await harness.openIAMSmartApp(binding: .post)
            let form = try #require(app.forms.first { $0.fields.contains { $0.name == "resident" && $0.value == "adult-basic" } })
            let flowID = try await Self.currentFlowID(harness)
            await harness.iamSmart.setFaults(fault)
            var page = try await harness.browser.submit(form, button: "approve")
            if page.url.path == "/approval", page.status == 200, page.link(id: "open-approval") != nil {
                page = try await harness.answerDataRequest(from: page, approve: true)
            }
            await harness.iamSmart.setFaults(.none)
            #expect(page.status == 502, "\(fault): HTTP \(page.status) \(page.url.path)")
            #expect(page.errorCode == FlowError.Code.iamSmartFailed.rawValue, "\(fault): \(page.errorCode ?? "no code")")
            // The resident sees one reference and no internal text; the operator
            // finds the detail in the log by that reference.
            #expect(!page.body.contains("operator-detail"))
            let reference = try #require(page.text(id: "reference"), "\(fault): no reference on the page")
            #expect(logs.records.contains { $0.metadata["reference"] == reference }, "\(fault): reference \(reference) not in the log")
            // The relying party is told, with a signed SAML status and no data.
            let back = try #require(page.forms.first { $0.action.absoluteString.hasPrefix(harness.relyingPartyURL) })
            _ = try await harness.browser.submit(back)
            let outcome = try #require(await harness.relyingParty.outcomes().last)
            #expect(outcome.verified && outcome.statusCode != SAMLStatus.success && outcome.attributes.isEmpty)
            #expect(try await harness.logEntries().isEmpty)
            try await Self.expectNothingPersonalLeft(harness, flowID: flowID, lifetime: 60)
        }
        Self.expectNoPersonalData(in: logs)
    }

    // MARK: The store's disk

    /// Whether a small tmpfs can be mounted here (root on Linux).
    static let canMount: Bool = {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("fb-mount-probe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: probe) }
        guard (try? FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)) != nil,
            (try? shell("/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.path)) == 0
        else { return false }
        _ = try? shell("/bin/umount", probe.path)
        return true
    }()

    /// Runs a command and waits for it with waitpid (Foundation's Process
    /// can miss the exit of a child that leaves a daemon behind, as pg_ctl does).
    @discardableResult
    static func shell(_ arguments: String...) throws -> Int32 {
        try run(arguments)
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }

    /// The store and log on a small file system of their own that fills up
    /// while the resident reads the consent page.
    @Test(.enabled(if: canMount, "needs root to mount a tmpfs"))
    func aFullDiskStopsTheTransfer() async throws {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("fb-disk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        #expect(try Self.shell("/bin/mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint.path) == 0)
        let filler = mountPoint.appendingPathComponent("filler")
        do {
            try await FederationHarness.run(flowLifetime: "1m", storeURL: "sqlite:\(mountPoint.path)/bridge.sqlite") { harness in
                let (consent, form) = try await harness.reachConsent(as: "adult-basic", binding: .post)
                // Fill every free byte.
                FileManager.default.createFile(atPath: filler.path, contents: nil)
                let handle = try FileHandle(forWritingTo: filler)
                let chunk = Data(count: 64 * 1024)
                while (try? handle.write(contentsOf: chunk)) != nil {}
                try? handle.close()

                let refused = try await harness.browser.submit(form, button: "agree")
                #expect((500..<600).contains(refused.status), "HTTP \(refused.status)")
                #expect(refused.errorCode != nil, "no FB-Error")
                #expect(!refused.body.contains("SAMLResponse") && !refused.body.contains("SAMLart"))
                #expect(await harness.relyingParty.outcomes().isEmpty, "nothing reaches the relying party")

                // Space again: the log verifies with nothing in it.
                try FileManager.default.removeItem(at: filler)
                #expect(try await harness.flow.transferLog.verify().entries == 0)
                try await Self.expectNothingPersonalLeft(harness, flowID: try Self.flowID(consent), lifetime: 60)
            }
        } catch {
            _ = try? Self.shell("/bin/umount", "-l", mountPoint.path)
            throw error
        }
        try Self.shell("/bin/umount", "-l", mountPoint.path)
        try? FileManager.default.removeItem(at: mountPoint)
    }

    /// A store on a file system mounted read-only (as the kernel does after
    /// a disk error) keeps the bridge from starting, with a line that names
    /// the store; the log already written there is intact once writable again.
    @Test(.enabled(if: canMount, "needs root to mount a tmpfs"))
    func aReadOnlyStoreKeepsTheBridgeFromStarting() async throws {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("fb-ro-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        #expect(try Self.shell("/bin/mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint.path) == 0)
        defer {
            _ = try? Self.shell("/bin/umount", "-l", mountPoint.path)
            try? FileManager.default.removeItem(at: mountPoint)
        }
        let storeURL = "sqlite:\(mountPoint.path)/bridge.sqlite"
        try await FederationHarness.run(storeURL: storeURL) { harness in
            let run = try await harness.signIn(as: "adult-basic", binding: .post)
            #expect(run.outcome?.verified == true)
        }
        #expect(try Self.shell("/bin/mount", "-o", "remount,ro", mountPoint.path) == 0)
        let failure = await #expect(throws: (any Error).self) {
            try await FederationHarness.run(storeURL: storeURL) { _ in
                Issue.record("the bridge served on a read-only store")
            }
        }
        let message = failure.map { "\($0)" } ?? ""
        #expect(message.contains(mountPoint.path) && message.contains("read-only"), "\(message)")

        #expect(try Self.shell("/bin/mount", "-o", "remount,rw", mountPoint.path) == 0)
        try await FederationHarness.run(storeURL: storeURL) { harness in
            let verified = try await harness.flow.transferLog.verify()
            #expect(verified.entries == 1)
        }
    }

    // MARK: PostgreSQL

    /// A PostgreSQL server of the test's own, which it stops and starts.
    struct OwnPostgres {
        let directory: URL
        let port: Int
        let bin: String

        static var binDirectory: String? {
            let base = "/usr/lib/postgresql"
            let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
            return versions.sorted { $0.compare($1, options: .numeric) == .orderedAscending }.last.map { "\(base)/\($0)/bin" }
        }

        static var available: Bool { getuid() == 0 && binDirectory != nil && PostgresTestServer.baseURL != nil }

        static func make() async throws -> OwnPostgres {
            let bin = try #require(binDirectory)
            let directory = URL(fileURLWithPath: "/tmp/fb-pg-fault-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: directory.path)
            let server = OwnPostgres(directory: directory, port: try await FederationHarness.reservePort(), bin: bin)
            #expect(try server.asPostgres("initdb", "-D", server.data, "-A", "trust", "-U", "postgres") == 0)
            try server.start()
            return server
        }

        var data: String { directory.appendingPathComponent("data").path }
        var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres?schema=fault" }

        func asPostgres(_ tool: String, _ arguments: String...) throws -> Int32 {
            try FaultFlowTests.run(["/usr/sbin/runuser", "-u", "postgres", "--", "\(bin)/\(tool)"] + arguments)
        }

        func start() throws {
            let options = "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1"
            #expect(try asPostgres("pg_ctl", "-D", data, "-w", "-l", directory.appendingPathComponent("log").path, "-o", options, "start") == 0)
        }

        func stop() throws {
            #expect(try asPostgres("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop") == 0)
        }

        /// Read-only for every session, existing ones included (a reload, no restart).
        func setReadOnly(_ readOnly: Bool) throws {
            let setting = "ALTER SYSTEM SET default_transaction_read_only = \(readOnly ? "on" : "off")"
            for statement in [setting, "SELECT pg_reload_conf()"] {
                #expect(try asPostgres("psql", "-h", directory.path, "-p", "\(port)", "-U", "postgres", "-c", statement) == 0)
            }
        }

        func remove() {
            _ = try? asPostgres("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// PostgreSQL goes away while the resident reads the consent page: the
    /// answer is refused with a code and nothing leaves; once the server is
    /// back the log verifies, and the flow is gone after its lifetime.
    @Test(.enabled(if: OwnPostgres.available, "needs root and PostgreSQL (scripts/test.sh)"))
    func postgresStoppedMidFlow() async throws {
        let server = try await OwnPostgres.make()
        defer { server.remove() }
        try await FederationHarness.run(flowLifetime: "1m", storeURL: "\"\(server.url)\"") { harness in
            let (consent, form) = try await harness.reachConsent(as: "adult-basic", binding: .post)
            try server.stop()
            // The store waits for a connection; the request deadline ends the
            // step with 503 and a code rather than letting it finish later.
            let refused = try await harness.browser.submit(form, button: "agree")
            #expect((500..<600).contains(refused.status), "HTTP \(refused.status)")
            #expect(refused.errorCode != nil)
            #expect(!refused.body.contains("SAMLResponse"))
            #expect(await harness.relyingParty.outcomes().isEmpty)
            try server.start()
            #expect(try await harness.flow.transferLog.verify().entries == 0)
            try await Self.expectNothingPersonalLeft(harness, flowID: try Self.flowID(consent), lifetime: 60)
            // And the service works again.
            let run = try await harness.signIn(as: "adult-basic", binding: .post)
            #expect(run.outcome?.verified == true)
            #expect(try await harness.logEntries().count == 1)
        }
    }

    /// The database turns read-only while the resident reads the consent
    /// page, as a standby promoted wrongly or a server put in read-only mode
    /// for a full disk does: `/readyz` names the store, the answer is refused
    /// with a code and nothing leaves; writable again, everything recovers.
    @Test(.enabled(if: OwnPostgres.available, "needs root and PostgreSQL (scripts/test.sh)"))
    func postgresReadOnlyMidFlow() async throws {
        let server = try await OwnPostgres.make()
        defer { server.remove() }
        try await FederationHarness.run(flowLifetime: "1m", storeURL: "\"\(server.url)\"") { harness in
            let (consent, form) = try await harness.reachConsent(as: "adult-basic", binding: .post)
            try server.setReadOnly(true)

            let readiness = try await harness.browser.open(try harness.url(harness.bridgeURL + "/readyz"))
            #expect(readiness.status == 503)
            #expect(readiness.body.contains("store"), "\(readiness.body)")
            let refused = try await harness.browser.submit(form, button: "agree")
            #expect((500..<600).contains(refused.status), "HTTP \(refused.status)")
            #expect(refused.errorCode != nil)
            #expect(!refused.body.contains("SAMLResponse"))
            #expect(await harness.relyingParty.outcomes().isEmpty)

            try server.setReadOnly(false)
            #expect(try await harness.browser.open(try harness.url(harness.bridgeURL + "/readyz")).status == 200)
            #expect(try await harness.flow.transferLog.verify().entries == 0)
            try await Self.expectNothingPersonalLeft(harness, flowID: try Self.flowID(consent), lifetime: 60)
            let run = try await harness.signIn(as: "adult-basic", binding: .post)
            #expect(run.outcome?.verified == true)
            #expect(try await harness.logEntries().count == 1)
        }
    }
}
