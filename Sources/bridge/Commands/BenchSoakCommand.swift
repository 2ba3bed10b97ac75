import ArgumentParser
import AsyncHTTPClient
import FederationBridge
import Foundation
import Logging
import Sandbox

/// `bridge bench soak`: complete sign-ins (the sandbox's `ScriptedSignIn`)
/// at a steady rate, for a bounded time, against a `bridge serve` process
/// and both sandboxes on loopback.
/// Prints, per minute, the sign-ins started and finished, errors, latency
/// and the bridge process's resident memory, so a run shows whether the rate holds, nothing
/// fails and memory stays flat.
struct BenchSoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Run complete sign-ins at a steady rate for a bounded time; print errors, latency and memory per minute."
    )

    @Option(help: "How long to run, in minutes.") var minutes: Double = 1
    @Option(help: "Sign-ins started per second.") var rate: Double = 5
    @Option(help: "Most sign-ins in flight at once; a start that would exceed it counts as an error.") var inFlight = 64

    func validate() throws {
        guard minutes > 0, rate > 0, inFlight > 0 else { throw ValidationError("--minutes, --rate and --in-flight must be positive") }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fb-soak-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var federation = try SandboxFederation(directory: directory)
        // A steady load is not an anomaly: lift the volume check's floor for this run.
        federation.volumeBaseline = 100_000_000
        let bridgeURL = "http://127.0.0.1:\(try Self.freePort())"
        var quiet = Logger(label: "soak")
        quiet.logLevel = .critical
        let iamSmart = IAMSmartSandbox(configuration: try federation.iamSmartSandboxConfiguration(bridgeBaseURL: bridgeURL), logger: quiet)
        let relyingParty = try GuangdongRelyingParty(
            configuration: try federation.relyingPartyConfiguration(bridgeBaseURL: bridgeURL), logger: quiet)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        let meter = SoakMeter()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await iamSmart.run() }
                group.addTask { try await relyingParty.run() }
                let relyingPartyURL = try await relyingParty.baseURL()
                try federation.writeRelyingPartyMetadata(relyingParty, baseURL: relyingPartyURL)
                let port = Int(bridgeURL.split(separator: ":").last ?? "") ?? 0
                let file = try federation.writeBridgeConfiguration(
                    bridgeBaseURL: bridgeURL, listenPort: port, iamSmartBaseURL: try await iamSmart.baseURL().absoluteString)
                // The bridge in a process of its own, so its memory is its own.
                let bridge = try await BridgeServeProcess(
                    executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), configuration: file, url: bridgeURL,
                    outputFile: directory.appendingPathComponent("bridge.out"),
                    browser: SandboxBrowser(sharing: client))
                defer { bridge.stop() }
                print("soak: \(rate) sign-ins/s for \(minutes) min, at most \(inFlight) in flight; bridge serve pid \(bridge.pid) at \(bridgeURL)")
                print("minute  started  finished  errors  p50 ms  p99 ms  max ms  bridge rss MiB")
                guard let start = URL(string: relyingPartyURL + "/") else { throw BrowserError("bad relying party URL \(relyingPartyURL)") }
                try await drive(client: client, relyingPartyURL: start, meter: meter) { bridge.memory().current }
                group.cancelAll()
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        let total = await meter.total
        print(
            String(
                format: "total: %d started, %d finished, %d errors; %.2f finished/s; bridge rss %.1f MiB after the first minute, %.1f MiB at the end",
                total.started, total.finished, total.errors, Double(total.finished) / (minutes * 60),
                total.firstRSS, total.lastRSS))
        if let error = await meter.firstError { print("first error: \(error)") }
        if total.errors > 0 { throw ExitCode.failure }
    }

    /// Starts sign-ins on a fixed schedule (not when the last one ends), so a
    /// slow bridge shows up as latency and in-flight errors, not as a lower rate.
    func drive(client: HTTPClient, relyingPartyURL: URL, meter: SoakMeter, memory: @escaping @Sendable () -> Double) async throws {
        let signIn = ScriptedSignIn(relyingPartyURL: relyingPartyURL, binding: .post)
        let clock = ContinuousClock()
        let begin = clock.now
        let interval = Duration.seconds(1 / rate)
        let end = begin + .seconds(minutes * 60)
        var next = begin
        var minute = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            while next < end {
                try await clock.sleep(until: next)
                let elapsedMinute = Int((clock.now - begin) / .seconds(60))
                if elapsedMinute > minute {
                    await meter.report(minute: minute + 1, rss: memory())
                    minute = elapsedMinute
                }
                next += interval
                guard await meter.start(limit: inFlight) else { continue }
                group.addTask {
                    let started = clock.now
                    do {
                        try await signIn.run(in: SandboxBrowser(sharing: client))
                        await meter.finish(latency: clock.now - started)
                    } catch {
                        await meter.fail("\(error)")
                    }
                }
            }
            try await group.waitForAll()
        }
        await meter.report(minute: minute + 1, rss: memory())
    }

    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw ValidationError("no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Counts and latencies per minute, and the bridge's resident memory.
actor SoakMeter {
    struct Total {
        var started = 0
        var finished = 0
        var errors = 0
        var firstRSS = 0.0
        var lastRSS = 0.0
    }

    private(set) var total = Total()
    private(set) var firstError: String?
    private var inFlight = 0
    private var minuteStarted = 0
    private var minuteFinished = 0
    private var minuteErrors = 0
    private var latencies: [Duration] = []

    func start(limit: Int) -> Bool {
        guard inFlight < limit else {
            record(error: "more than \(limit) sign-ins in flight")
            return false
        }
        inFlight += 1
        minuteStarted += 1
        total.started += 1
        return true
    }

    func finish(latency: Duration) {
        inFlight -= 1
        minuteFinished += 1
        total.finished += 1
        latencies.append(latency)
    }

    func fail(_ error: String) {
        inFlight -= 1
        record(error: error)
    }

    private func record(error: String) {
        minuteErrors += 1
        total.errors += 1
        if firstError == nil { firstError = error }
    }

    func report(minute: Int, rss: Double) {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))].milliseconds
        }
        if minute == 1 { total.firstRSS = rss }
        total.lastRSS = rss
        print(
            String(
                format: "%6d  %7d  %8d  %6d  %6.1f  %6.1f  %6.1f  %7.1f", minute, minuteStarted, minuteFinished, minuteErrors,
                percentile(0.5), percentile(0.99), percentile(1), rss))
        fflush(nil)
        minuteStarted = 0
        minuteFinished = 0
        minuteErrors = 0
        latencies = []
    }
}
