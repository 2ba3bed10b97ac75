import ArgumentParser
import AsyncHTTPClient
import FederationBridge
import Foundation
import Logging
import NIOPosix
import PIAChecks
import Sandbox

/// `bridge bench flow`: complete sign-ins over HTTP against `bridge serve`
/// processes, with the sandbox iAM Smart and relying party as peers. Prints
/// figures and the machine's RSA yardstick; asserts nothing.
struct BenchFlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Drive complete sign-ins (AuthnRequest to signed-in) over HTTP and print rates, latencies and the bridge's CPU per flow."
    )

    @Option(parsing: .upToNextOption, help: "Concurrent flows, one run per level.")
    var levels: [Int] = [1, 8, 64, 256]

    @Option(help: "Flows per level.")
    var flows = 300

    @Option(help: "post, artifact or both (alternating).")
    var binding = "both"

    @Option(help: "bridge serve processes sharing one store; flows are spread over them.")
    var instances = 1

    @Option(help: "Store URL for the bridges (default: SQLite files in the scratch folder); more than one instance needs postgres://.")
    var store: String?

    @Option(name: .customLong("log-entries"), help: "Fill the transfer log with this many synthetic entries before the bridges start.")
    var logEntries = 0

    @Flag(help: "Each request of a flow goes to the next instance, as a load balancer without affinity would.")
    var noAffinity = false

    @Option(help: "Scratch folder (default: a new temporary one, removed afterwards).")
    var directory: String?

    func validate() throws {
        guard !levels.isEmpty, levels.allSatisfy({ (1...4096).contains($0) }) else { throw ValidationError("--levels must be 1…4096") }
        guard flows > 0 else { throw ValidationError("--flows must be positive") }
        guard ["post", "artifact", "both"].contains(binding) else { throw ValidationError("--binding must be post, artifact or both") }
        guard (1...8).contains(instances) else { throw ValidationError("--instances must be 1…8") }
        guard instances == 1 || store?.hasPrefix("postgres") == true else {
            throw ValidationError("--instances above 1 share one store: give --store postgres://…")
        }
    }

    func run() async throws {
        let scratch = URL(fileURLWithPath: directory ?? NSTemporaryDirectory() + "fb-bench-flow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(at: scratch) } }
        var federation = try SandboxFederation(directory: scratch)
        federation.volumeBaseline = 10_000_000
        var quiet = Logger(label: "bench.flow")
        quiet.logLevel = .critical

        var ports: [Int] = []
        for _ in 0..<instances { ports.append(try await Self.reservePort()) }
        let baseURL = "http://127.0.0.1:\(ports[0])"
        let iamSmart = IAMSmartSandbox(configuration: try federation.iamSmartSandboxConfiguration(bridgeBaseURL: baseURL), logger: quiet)
        let relyingParty = try GuangdongRelyingParty(
            configuration: try federation.relyingPartyConfiguration(bridgeBaseURL: baseURL), logger: quiet)
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(redirectConfiguration: .disallow, connectionPool: .init(idleTimeout: .seconds(60))))
        do {
            try await measure(
                federation: federation, ports: ports, baseURL: baseURL, iamSmart: iamSmart, relyingParty: relyingParty, client: client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func measure(
        federation: SandboxFederation, ports: [Int], baseURL: String, iamSmart: IAMSmartSandbox, relyingParty: GuangdongRelyingParty,
        client: HTTPClient
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            let (iamSmartURL, relyingPartyURL) = try await federation.startPeers(iamSmart, relyingParty, in: &group)
            let file = try federation.writeBridgeConfiguration(
                bridgeBaseURL: baseURL, listenPort: ports[0], iamSmartBaseURL: iamSmartURL, storeURL: store)
            if logEntries > 0 { try await seedLog(configuration: file) }

            let bridges = try await startBridges(federation: federation, configuration: file, ports: ports, client: client)
            defer { for bridge in bridges { bridge.stop() } }
            print(
                "bench flow: \(instances) bridge process(es) on \(store.map { $0.hasPrefix("postgres") ? "PostgreSQL" : $0 } ?? "SQLite"), "
                    + "\(logEntries) entries in the log before the run, binding \(binding)")
            guard let start = URL(string: relyingPartyURL + "/") else { throw BrowserError("bad relying party URL \(relyingPartyURL)") }
            let driver = FlowDriver(
                relyingPartyURL: start, bridgeURLs: bridges.map(\.url), baseURL: baseURL, binding: binding, noAffinity: noAffinity, client: client)
            // The start-up audit of the whole log runs once per start and then
            // hourly; sign-ins are measured after it, as in steady service.
            for bridge in bridges {
                try await bridge.waitForMetric(MetricNames.transferLogAuditedEntries, browser: SandboxBrowser(sharing: client))
            }
            // A short warm-up so first-connection and first-render costs do not count.
            _ = try await driver.run(flows: min(20, flows), concurrency: 4)
            var results: [FlowLevelResult] = []
            var exchanges: (flows: Int, bridgeRequests: Double, iamSmartCalls: Int) = (0, 0, 0)
            for level in levels {
                let countsBefore = try await HTTPFloor.Counts.read(bridges, iamSmart: iamSmart, client: client)
                let cpuBefore = bridges.map { $0.cpuSeconds() }
                // One at a time against one instance, each request is charged
                // the bridge's CPU while it was open.
                var probe: (@Sendable () -> UInt64)?
                if level == 1, bridges.count == 1, let bridge = bridges.first { probe = { bridge.scheduledNanoseconds() } }
                let result = try await driver.run(flows: flows, concurrency: level, cpuProbe: probe)
                let cpu = zip(bridges, cpuBefore).map { $0.cpuSeconds() - $1 }.reduce(0, +)
                let memory = bridges.map { $0.memory() }
                let level = FlowLevelResult(
                    concurrency: level, run: result, bridgeCPUSeconds: cpu,
                    rssMiB: memory.map(\.current).reduce(0, +), peakRSSMiB: memory.map(\.peak).max() ?? 0)
                level.print()
                results.append(level)
                let countsAfter = try await HTTPFloor.Counts.read(bridges, iamSmart: iamSmart, client: client)
                exchanges.flows += level.completed
                // The reading itself is one request per bridge.
                exchanges.bridgeRequests += countsAfter.bridgeRequests - countsBefore.bridgeRequests - Double(bridges.count)
                exchanges.iamSmartCalls += countsAfter.iamSmartCalls - countsBefore.iamSmartCalls
            }
            var http: HTTPFloor?
            var store: StoreFloor?
            if let bridge = bridges.first, exchanges.flows > 0 {
                let concurrency = 8
                let empty = try await HTTPFloor.emptyExchangeCPU(bridge: bridge, client: client, concurrency: concurrency, requests: 8_000)
                http = HTTPFloor(
                    bridgeRequestsPerFlow: exchanges.bridgeRequests / Double(exchanges.flows),
                    iamSmartCallsPerFlow: Double(exchanges.iamSmartCalls) / Double(exchanges.flows),
                    emptyRequestCPU: empty.served, emptyCallCPU: empty.called, concurrency: concurrency)
                http?.print()
                let location = try ConfigurationLoader().load(file: file.path).store
                store = try await StoreFloor.measure(location, scratch: file.deletingLastPathComponent(), operations: 4_000)
            }
            FlowLevelResult.printYardstick(results, http: http, store: store)
            group.cancelAll()
        }
    }

    private func startBridges(
        federation: SandboxFederation, configuration file: URL, ports: [Int], client: HTTPClient
    ) async throws -> [BridgeServeProcess] {
        var bridges: [BridgeServeProcess] = []
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        for (index, port) in ports.enumerated() {
            var configurationFile = file
            if index > 0 {
                configurationFile = try federation.writeInstanceConfiguration(from: file, listenPort: port, name: "bridge-\(index)")
            }
            let output = file.deletingLastPathComponent().appendingPathComponent("bridge-\(index).out")
            bridges.append(
                try await BridgeServeProcess(
                    executable: executable, configuration: configurationFile, url: "http://127.0.0.1:\(port)", outputFile: output,
                    browser: SandboxBrowser(sharing: client)))
        }
        return bridges
    }

    /// Appends synthetic entries signed with the bridge's own tree-head key,
    /// in large batches, so the bridges start on a log of that size.
    private func seedLog(configuration file: URL) async throws {
        let configuration = try ConfigurationLoader().load(file: file.path)
        let signer = try IdPKeyMaterial(configuration: configuration).treeHeadSigner
        var logger = Logger(label: "bench.flow.seed")
        logger.logLevel = .error
        let store = try await configuration.store.openTransferLog(logger: logger)
        let clock = ContinuousClock()
        let started = clock.now
        let now = Date()
        var next = 0
        while next < logEntries {
            let count = min(5000, logEntries - next)
            let batch = (next..<(next + count)).map { index in
                var entry = LogScaleBench.entry(index)
                // Spread over the hours before now, so time-window reads see them.
                entry.time = now.addingTimeInterval(-Double(logEntries - index) * LogScaleBench.spacing)
                return entry
            }
            _ = try await store.append(batch, signer: signer)
            next += count
        }
        print("seeded \(logEntries) log entries in \(String(format: "%.1f", (clock.now - started).seconds)) s")
    }

    static func reservePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}

/// Durations as the benchmarks print them.
extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}
