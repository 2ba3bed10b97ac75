import Foundation
import Metrics
import PIAChecks
import Prometheus
import Synchronization

/// The bridge's metrics, recorded into one Prometheus registry.
///
/// Metrics are created with an explicit factory rather than the global
/// `MetricsSystem`, so several applications (tests) in one process keep
/// separate registries; `bridge serve` also bootstraps the global system
/// with the same factory so library metrics land in the same `/metrics`.
///
/// The bridge's own metrics are registered with the registry directly, each
/// with its `# HELP` text from `MetricNames.help`; the swift-metrics factory
/// (which registers without help) is left to libraries.
public struct BridgeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    /// Refreshed just before each scrape (log size, expiry times).
    private let collectors: Collectors

    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), version: String = BridgeVersion.current) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.durationBuckets
        self.factory = factory
        self.collectors = Collectors()
        gauge(MetricNames.buildInfo, [("version", version), ("swift", BridgeVersion.swift)]).set(Int64(1))
    }

    private func counter(_ name: String, _ labels: [(String, String)]) -> Prometheus.Counter {
        registry.makeCounter(name: name, labels: labels, help: MetricNames.help[name] ?? "")
    }

    private func gauge(_ name: String, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
        registry.makeGauge(name: name, labels: labels, help: MetricNames.help[name] ?? "")
    }

    private func histogram(_ name: String, _ labels: [(String, String)]) -> DurationHistogram {
        registry.makeDurationHistogram(name: name, labels: labels, buckets: Self.durationBuckets, help: MetricNames.help[name] ?? "")
    }

    public func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        counter(MetricNames.httpRequests, [("method", method), ("route", route), ("status", String(status))]).increment()
        histogram(MetricNames.httpRequestDuration, [("method", method), ("route", route)]).record(duration)
    }

    /// One privacy check's result in a verdict.
    public func recordCheck(_ check: String, passed: Bool) {
        counter(MetricNames.piaVerdicts, [("check", check), ("result", passed ? "pass" : "fail")]).increment()
    }

    public func recordTransfer(recipient: String, decision: TransferDecision) {
        counter(MetricNames.transfers, [("recipient", recipient), ("decision", decision.rawValue)]).increment()
    }

    public func recordLatency(operation: String, duration: Duration) {
        histogram(MetricNames.operationDuration, [("operation", operation)]).record(duration)
    }

    public func recordSweep(_ count: SweepCount) {
        for (kind, value) in [
            ("flows", count.flows), ("replay", count.replayEntries), ("artifacts", count.artifacts), ("failures", count.failureRecords),
            ("idp-sessions", count.idpSessions),
        ] {
            counter(MetricNames.sweptRecords, [("kind", kind)]).increment(by: Int64(value))
        }
    }

    /// Whether the stored transfer log still extends what the bridge signed.
    public func recordLogIntegrity(consistent: Bool) {
        gauge(MetricNames.transferLogConsistent).set(Int64(consistent ? 1 : 0))
    }

    public func recordLogAudit(entries: Int, at time: Date) {
        gauge(MetricNames.transferLogAudited).set(time.timeIntervalSince1970)
        gauge(MetricNames.transferLogAuditedEntries).set(Int64(entries))
    }

    public func recordWitnessLag(witness: String, seconds: Double, entries: Int) {
        gauge(MetricNames.witnessLagSeconds, [("witness", witness)]).set(seconds)
        gauge(MetricNames.witnessLagEntries, [("witness", witness)]).set(Int64(entries))
    }

    /// Entries in the transfer log (its newest signed tree size).
    public func recordLogSize(entries: Int) {
        gauge(MetricNames.transferLogEntries).set(Int64(entries))
    }

    /// When one of our certificates expires (`key`: `signing`, `signing-next`, `encryption`).
    public func recordCertificateExpiry(key: String, notValidAfter: Date) {
        gauge(MetricNames.certificateExpiry, [("key", key)]).set(notValidAfter.timeIntervalSince1970)
    }

    /// When a partner's metadata stops being usable (`validUntil`).
    public func recordMetadataExpiry(partner: String, validUntil: Date) {
        gauge(MetricNames.metadataExpiry, [("partner", partner)]).set(validUntil.timeIntervalSince1970)
    }

    /// Adds work that refreshes gauges just before each scrape.
    public func addCollector(_ collector: @escaping @Sendable () async -> Void) {
        collectors.add(collector)
    }

    /// Runs every collector; `/metrics` calls it before `exposition()`.
    public func collect() async {
        for collector in collectors.all { await collector() }
    }

    final class Collectors: Sendable {
        private let list = Mutex<[@Sendable () async -> Void]>([])
        func add(_ collector: @escaping @Sendable () async -> Void) { list.withLock { $0.append(collector) } }
        var all: [@Sendable () async -> Void] { list.withLock { $0 } }
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
