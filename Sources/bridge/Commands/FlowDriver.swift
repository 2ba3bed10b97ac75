import AsyncHTTPClient
import Foundation
import Sandbox

/// Runs scripted sign-ins at a fixed concurrency and collects what each
/// resident's browser saw: whole-flow times and per-endpoint times.
struct FlowDriver: Sendable {
    let relyingPartyURL: URL
    let bridgeURLs: [String]
    /// The bridge's configured base URL, which every link and redirect names.
    let baseURL: String
    let binding: String
    let noAffinity: Bool
    let client: HTTPClient

    struct Run: Sendable {
        var flows: Int
        var errors: [String]
        var wall: Duration
        var flowDurations: [Duration]
        /// Bridge endpoint ("GET /consent") → durations.
        var endpoints: [String: [Duration]]
        /// Bridge endpoint → the bridge's CPU while each request was open;
        /// filled only in a one-at-a-time run against one instance.
        var endpointCPU: [String: [Duration]] = [:]
    }

    /// With `cpuProbe` (the bridge's CPU clock), each bridge request is also
    /// charged the CPU the bridge spent while it was open; only meaningful
    /// at concurrency 1.
    func run(flows: Int, concurrency: Int, cpuProbe: (@Sendable () -> UInt64)? = nil) async throws -> Run {
        let clock = ContinuousClock()
        let started = clock.now
        let counter = FlowCounter(total: flows)
        let lanes = try await withThrowingTaskGroup(of: Run.self) { group in
            for _ in 0..<min(concurrency, flows) {
                group.addTask { await lane(counter: counter, cpuProbe: cpuProbe) }
            }
            var all: [Run] = []
            for try await lane in group { all.append(lane) }
            return all
        }
        var total = Run(flows: flows, errors: [], wall: clock.now - started, flowDurations: [], endpoints: [:])
        for lane in lanes {
            total.errors += lane.errors
            total.flowDurations += lane.flowDurations
            total.endpoints.merge(lane.endpoints) { $0 + $1 }
            total.endpointCPU.merge(lane.endpointCPU) { $0 + $1 }
        }
        return total
    }

    /// One resident after another until the flows are used up.
    private func lane(counter: FlowCounter, cpuProbe: (@Sendable () -> UInt64)?) async -> Run {
        var run = Run(flows: 0, errors: [], wall: .zero, flowDurations: [], endpoints: [:])
        let clock = ContinuousClock()
        while let index = await counter.next() {
            let browser = SandboxBrowser(sharing: client)
            browser.route = router(flow: index)
            browser.cpuProbe = cpuProbe
            let signIn = ScriptedSignIn(
                relyingPartyURL: relyingPartyURL,
                binding: binding == "artifact" || (binding == "both" && index % 2 == 1) ? .artifact : .post)
            let started = clock.now
            do {
                try await signIn.run(in: browser)
                run.flowDurations.append(clock.now - started)
            } catch {
                run.errors.append("\(error)")
            }
            let bridgeHost = URL(string: baseURL)
            for visit in browser.visits where visit.host == bridgeHost?.host && visit.port == bridgeHost?.port {
                run.endpoints["\(visit.method) \(visit.path)", default: []].append(visit.duration)
                if let cpu = visit.serverCPU { run.endpointCPU["\(visit.method) \(visit.path)", default: []].append(cpu) }
            }
        }
        return run
    }

    /// Sends flow `index` to one instance, or (without affinity) each request
    /// to the next instance in turn.
    private func router(flow index: Int) -> @Sendable (URL) -> URL {
        InstanceRouting.route(
            baseURL: baseURL, instances: bridgeURLs.count > 1 ? bridgeURLs : [], pinned: noAffinity ? nil : index, start: index)
    }
}

/// Hands out flow numbers until the total is reached.
actor FlowCounter {
    private var issued = 0
    let total: Int

    init(total: Int) { self.total = total }

    func next() -> Int? {
        guard issued < total else { return nil }
        issued += 1
        return issued - 1
    }
}
