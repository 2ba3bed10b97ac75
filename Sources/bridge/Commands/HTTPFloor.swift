import AsyncHTTPClient
import FederationBridge
import Foundation
import Sandbox

/// How much of a flow's CPU the HTTP exchanges alone cost: the requests the
/// bridge served and the iAM Smart calls it made per flow, beside the
/// bridge's CPU for a request that does no work at all (`/healthz`). The
/// protocol fixes the number of exchanges, so this is a floor no change
/// inside the handlers can go below.
struct HTTPFloor {
    /// Requests the bridge served per completed flow (browser and back channel).
    let bridgeRequestsPerFlow: Double
    /// Calls the bridge made to iAM Smart per completed flow.
    let iamSmartCallsPerFlow: Double
    /// The bridge's CPU per `/healthz` request at `concurrency` connections.
    let emptyRequestCPU: Duration
    /// This process's CPU per `/healthz` exchange over the same HTTP client
    /// library the bridge calls iAM Smart with: the caller's side of a call.
    let emptyCallCPU: Duration
    let concurrency: Int

    /// The counts before a level, to subtract afterwards.
    struct Counts {
        var bridgeRequests: Double
        var iamSmartCalls: Int

        static func read(_ bridges: [BridgeServeProcess], iamSmart: IAMSmartSandbox, client: HTTPClient) async throws -> Counts {
            var requests = 0.0
            for bridge in bridges {
                requests += try await bridge.metricTotal(MetricNames.httpRequests, browser: SandboxBrowser(sharing: client))
            }
            return Counts(bridgeRequests: requests, iamSmartCalls: iamSmart.apiRequests)
        }
    }

    /// Drives `requests` empty requests at `concurrency` against one bridge
    /// and charges the bridge (serving) and this process (calling) the CPU
    /// each used meanwhile. The sandboxes in this process are idle then.
    static func emptyExchangeCPU(
        bridge: BridgeServeProcess, client: HTTPClient, concurrency: Int, requests: Int
    ) async throws -> (served: Duration, called: Duration) {
        guard let healthz = URL(string: bridge.url + "/healthz") else { throw BrowserError("bad bridge URL \(bridge.url)") }
        let before = bridge.scheduledNanoseconds()
        let callerBefore = ownCPUNanoseconds()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    // The client alone, as the bridge's iAM Smart transport uses it: no browser around it.
                    for _ in 0..<(requests / concurrency) {
                        let response = try await client.execute(HTTPClientRequest(url: healthz.absoluteString), timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 16)
                    }
                }
            }
            try await group.waitForAll()
        }
        // Threads that ended meanwhile take their time out of the sum, so
        // this can only undercount.
        let after = bridge.scheduledNanoseconds()
        let called = ownCPUNanoseconds() - callerBefore
        let spent = after >= before ? after - before : 0
        let exchanges = Int64(max(requests / concurrency * concurrency, 1))
        return (.nanoseconds(Int64(clamping: spent) / exchanges), .nanoseconds(called / exchanges))
    }

    /// This process's CPU so far, all threads, ended ones included.
    static func ownCPUNanoseconds() -> Int64 {
        var time = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time) == 0 else { return 0 }
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// Milliseconds of each flow spent on HTTP exchanges before any work.
    var perFlow: Double {
        emptyRequestCPU.milliseconds * bridgeRequestsPerFlow + emptyCallCPU.milliseconds * iamSmartCallsPerFlow
    }

    func print() {
        Swift.print(
            String(
                format: "HTTP per flow: the bridge served %.1f requests and made %.1f iAM Smart calls; an empty request (/healthz) "
                    + "costs it %.0f µs to serve and its caller %.0f µs at %d connections, so %.2f ms of each flow is HTTP before any work",
                bridgeRequestsPerFlow, iamSmartCallsPerFlow, emptyRequestCPU.milliseconds * 1000, emptyCallCPU.milliseconds * 1000,
                concurrency, perFlow))
    }
}
