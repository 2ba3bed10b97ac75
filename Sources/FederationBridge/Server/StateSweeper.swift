import Foundation
import Logging
import ServiceLifecycle

/// Periodically deletes expired flow state, replay entries and artifacts, so
/// personal data in abandoned flows does not outlive the flow lifetime.
struct StateSweeper: Service {
    let store: any StateStore
    let interval: Duration
    let metrics: BridgeMetrics
    let logger: Logger

    func run() async throws {
        // Shutdown cancels the sleep; that ends the loop, not the service group with an error.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                do {
                    let count = try await store.sweep(now: Date())
                    metrics.recordSweep(count)
                    if count.flows + count.replayEntries + count.artifacts + count.idpSessions > 0 {
                        logger.debug(
                            "swept expired state",
                            metadata: [
                                "flows": "\(count.flows)", "replay": "\(count.replayEntries)", "artifacts": "\(count.artifacts)",
                                "idpSessions": "\(count.idpSessions)",
                            ])
                    }
                } catch {
                    logger.warning("state sweep failed", metadata: ["error.type": "\(type(of: error))"])
                }
            }
        }
    }
}
