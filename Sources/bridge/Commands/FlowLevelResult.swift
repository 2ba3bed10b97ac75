import Foundation

/// The figures of one concurrency level of `bridge bench flow`.
struct FlowLevelResult {
    /// RSA signatures the bridge makes per flow: the Response and the Assertion.
    static let signaturesPerFlow = 2.0

    let concurrency: Int
    let run: FlowDriver.Run
    let bridgeCPUSeconds: Double
    let rssMiB: Double
    let peakRSSMiB: Double

    var completed: Int { run.flowDurations.count }
    var flowsPerSecond: Double { Double(completed) / max(run.wall.seconds, 1e-9) }
    var cpuMillisecondsPerFlow: Double { bridgeCPUSeconds * 1000 / Double(max(completed, 1)) }
    var flowsPerCPUSecond: Double { Double(completed) / max(bridgeCPUSeconds, 1e-9) }

    func print() {
        let flow = Percentiles(run.flowDurations)
        Swift.print(
            String(
                format: "%4d concurrent: %5d flows, %d errors, %7.1f flows/s, flow p50/p95/p99 %.1f/%.1f/%.1f ms, "
                    + "bridge CPU %.2f ms/flow (%.0f flows per CPU-second), RSS %.0f MiB (peak %.0f)",
                concurrency, completed, run.errors.count, flowsPerSecond, flow.p50, flow.p95, flow.p99,
                cpuMillisecondsPerFlow, flowsPerCPUSecond, rssMiB, peakRSSMiB))
        for endpoint in run.endpoints.keys.sorted() {
            let p = Percentiles(run.endpoints[endpoint] ?? [])
            let cpu = run.endpointCPU[endpoint].map { samples in
                String(format: "  bridge CPU %5.2f ms", samples.map(\.milliseconds).reduce(0, +) / Double(max(samples.count, 1)))
            }
            Swift.print(
                "      " + endpoint.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + String(format: "p50/p95/p99 %6.1f/%6.1f/%6.1f ms  (%d)", p.p50, p.p95, p.p99, p.count) + (cpu ?? ""))
        }
        for error in Set(run.errors).sorted().prefix(5) {
            Swift.print("      error: \(error)")
        }
    }

    /// The per-flow CPU the issue asks for, printed beside what is reached.
    static let targetMillisecondsPerFlow = 2.5

    /// `openssl speed rsa2048` beside the bridge's best rate: the floor is
    /// what signing alone would allow per CPU-second. With the HTTP and store
    /// floors, also the least a flow can cost on this stack before any of
    /// its own work: signing, HTTP exchanges and one store statement per
    /// request served.
    static func printYardstick(_ results: [FlowLevelResult], http: HTTPFloor?, store: StoreFloor?) {
        guard let line = BenchSAMLCommand.opensslRSASignRate() else {
            Swift.print("openssl not found: no RSA yardstick")
            return
        }
        Swift.print("openssl speed -seconds 1 rsa2048:\n  " + line)
        guard let signsPerSecond = BenchSAMLCommand.signsPerSecond(fromSpeedLine: line) else { return }
        let floor = signsPerSecond / signaturesPerFlow
        let best = results.map(\.flowsPerCPUSecond).max() ?? 0
        Swift.print(
            String(
                format: "signing floor %.0f flows per CPU-second (%.0f RSA-2048 signs/s ÷ %.0f per flow); bridge best %.0f = %.1f%% of the floor",
                floor, signsPerSecond, signaturesPerFlow, best, best / floor * 100))
        guard let http, let store else { return }
        let signing = 1000 / floor
        let storeFloor = store.cheapest.milliseconds * http.bridgeRequestsPerFlow
        let stack = signing + http.perFlow + storeFloor
        let bestCPU = results.map(\.cpuMillisecondsPerFlow).min() ?? 0
        Swift.print(
            String(
                format: "store: a state change costs %.0f µs, a pointer-and-flow read %.0f µs",
                store.change.milliseconds * 1000, store.read.milliseconds * 1000) + " (\(store.storeName), this process)")
        Swift.print(
            String(
                format: "stack floor per flow before any work of its own: signing %.2f + HTTP %.2f + store %.2f (%.1f requests × %.0f µs) "
                    + "= %.2f ms; target %.1f ms leaves %.2f ms for the flow's own work; bridge best %.2f ms",
                signing, http.perFlow, storeFloor, http.bridgeRequestsPerFlow, store.cheapest.milliseconds * 1000, stack,
                targetMillisecondsPerFlow, targetMillisecondsPerFlow - stack, bestCPU))
    }
}

/// Nearest-rank percentiles of durations, in milliseconds.
struct Percentiles {
    let p50: Double
    let p95: Double
    let p99: Double
    let count: Int

    init(_ durations: [Duration]) {
        let sorted = durations.map(\.milliseconds).sorted()
        count = sorted.count
        func rank(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)]
        }
        p50 = rank(0.50)
        p95 = rank(0.95)
        p99 = rank(0.99)
    }
}
