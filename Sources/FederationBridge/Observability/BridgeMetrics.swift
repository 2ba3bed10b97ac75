import Metrics
import PIAChecks
import Prometheus

/// The bridge's metrics, recorded into one Prometheus registry.
///
/// Metrics are created with an explicit factory rather than the global
/// `MetricsSystem`, so several applications (tests) in one process keep
/// separate registries; `bridge serve` also bootstraps the global system
/// with the same factory so library metrics land in the same `/metrics`.
public struct BridgeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    public func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        Counter(
            label: MetricNames.httpRequests,
            dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory
        ).increment()
        Metrics.Timer(
            label: MetricNames.httpRequestDuration, dimensions: [("method", method), ("route", route)], factory: factory
        ).recordNanoseconds(Self.nanoseconds(duration))
    }

    /// One privacy check's result in a verdict.
    public func recordCheck(_ check: String, passed: Bool) {
        Counter(
            label: MetricNames.piaVerdicts, dimensions: [("check", check), ("result", passed ? "pass" : "fail")],
            factory: factory
        ).increment()
    }

    public func recordTransfer(recipient: String, decision: TransferDecision) {
        Counter(
            label: MetricNames.transfers, dimensions: [("recipient", recipient), ("decision", decision.rawValue)],
            factory: factory
        ).increment()
    }

    public func recordLatency(operation: String, duration: Duration) {
        Metrics.Timer(label: MetricNames.operationDuration, dimensions: [("operation", operation)], factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    public func recordSweep(_ count: SweepCount) {
        for (kind, value) in [("flows", count.flows), ("replay", count.replayEntries), ("artifacts", count.artifacts)] {
            Counter(label: MetricNames.sweptRecords, dimensions: [("kind", kind)], factory: factory)
                .increment(by: Int64(value))
        }
    }

    /// Times `body` under `operation`.
    public func measure<T>(_ operation: String, _ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { recordLatency(operation: operation, duration: ContinuousClock.now - start) }
        return try await body()
    }

    /// Makes this registry the process-wide metrics backend, so metrics from
    /// libraries land in the same `/metrics`. Once per process (`bridge serve`).
    public func bootstrapGlobalSystem() {
        MetricsSystem.bootstrap(factory)
    }

    /// Prometheus text exposition of everything recorded.
    public func exposition() -> String {
        registry.emitToString()
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}
