import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads partner metadata on a timer (sooner when a `cacheDuration`
/// asks) and, with the privacy policy, whenever the process gets SIGHUP, so
/// an operator can publish a partner's new metadata or a new recipient
/// without a restart.
public struct MetadataRefresher: Service {
    public let registry: PartnerMetadataRegistry
    /// Re-read with the metadata on SIGHUP, when given.
    public let policies: PolicyStore?
    public let interval: Duration
    public let logger: Logger

    public init(registry: PartnerMetadataRegistry, policies: PolicyStore? = nil, interval: Duration, logger: Logger) {
        self.registry = registry
        self.policies = policies
        self.interval = interval
        self.logger = logger
    }

    /// The configured interval, shortened when a document's `cacheDuration`
    /// asks for an earlier re-read (but never below ten seconds).
    static func wait(interval: Duration, refreshBy: Date?, now: Date) -> Duration {
        guard let refreshBy else { return interval }
        let seconds = max(10, Int64(refreshBy.timeIntervalSince(now).rounded(.up)))
        return min(interval, .seconds(seconds))
    }

    public func run() async throws {
        let registry = registry
        let policies = policies
        let interval = interval
        let logger = logger
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Shutdown cancels the sleep: that ends the timer, not the service group with an error.
                    while (try? await Task.sleep(for: Self.wait(interval: interval, refreshBy: registry.nextRefresh(), now: Date()))) != nil {
                        registry.reload()
                    }
                }
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        logger.info("SIGHUP: re-reading partner metadata\(policies == nil ? "" : " and the privacy policy")")
                        registry.reload()
                        policies?.reload()
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
