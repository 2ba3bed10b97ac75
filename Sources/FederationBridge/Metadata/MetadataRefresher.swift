import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads partner metadata on a timer and whenever the process gets SIGHUP,
/// so an operator can publish a partner's new metadata without a restart.
public struct MetadataRefresher: Service {
    public let registry: PartnerMetadataRegistry
    public let interval: Duration
    public let logger: Logger

    public init(registry: PartnerMetadataRegistry, interval: Duration, logger: Logger) {
        self.registry = registry
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let registry = registry
        let interval = interval
        let logger = logger
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Shutdown cancels the sleep: that ends the timer, not the service group with an error.
                    while (try? await Task.sleep(for: interval)) != nil {
                        registry.reload()
                    }
                }
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        logger.info("SIGHUP: re-reading partner metadata")
                        registry.reload()
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
