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
    /// and charges it the CPU it used meanwhile.
    static func emptyRequestCPU(
        bridge: BridgeServeProcess, client: HTTPClient, concurrency: Int, requests: Int
    ) async throws -> Duration {
        guard let healthz = URL(string: bridge.url + "/healthz") else { throw BrowserError("bad bridge URL \(bridge.url)") }
        let before = bridge.scheduledNanoseconds()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    let browser = SandboxBrowser(sharing: client)
                    for _ in 0..<(requests / concurrency) { _ = try await browser.request(healthz) }
                }
            }
            try await group.waitForAll()
        }
        // Threads that ended meanwhile take their time out of the sum, so
        // this can only undercount.
        let after = bridge.scheduledNanoseconds()
        let spent = after >= before ? after - before : 0
        return .nanoseconds(Int64(clamping: spent) / Int64(max(requests / concurrency * concurrency, 1)))
    }

    func print() {
        let perFlow = emptyRequestCPU.milliseconds * bridgeRequestsPerFlow
        Swift.print(
            String(
                format: "HTTP per flow: the bridge served %.1f requests and made %.1f iAM Smart calls; an empty request (/healthz) "
                    + "costs it %.0f µs at %d connections, so %.2f ms of each flow is serving requests before any work",
                bridgeRequestsPerFlow, iamSmartCallsPerFlow, emptyRequestCPU.milliseconds * 1000, concurrency, perFlow))
    }
}
