import Foundation

/// One named readiness check (`store`, `keys`, `metadata`, …).
public struct ReadinessProbe: Sendable {
    public var name: String
    /// Returns `nil` when ready, or a reason an operator can act on.
    public var check: @Sendable () async -> String?
    /// Returns what works only in part while the service stays ready (one
    /// partner's metadata refused, a policy reload kept back), or `nil`.
    public var degradation: @Sendable () async -> String?

    public init(
        name: String, check: @escaping @Sendable () async -> String?,
        degradation: @escaping @Sendable () async -> String? = { nil }
    ) {
        self.name = name
        self.check = check
        self.degradation = degradation
    }
}

/// The set of probes behind `GET /readyz`. The composed application
/// registers one probe per dependency; a later registration with the same
/// name replaces the earlier one (e.g. the metadata loader's own probe).
public final class Readiness: Sendable {
    private let probes: LockedProbes

    public init(_ probes: [ReadinessProbe] = []) {
        self.probes = LockedProbes(probes)
    }

    public func register(_ probe: ReadinessProbe) {
        probes.upsert(probe)
    }

    public var names: [String] { probes.all.map(\.name) }

    public struct Report: Sendable, Encodable {
        public struct Entry: Sendable, Encodable {
            public var name: String
            public var ready: Bool
            public var reason: String?
            /// Set when the dependency works only in part; it does not make the service unready.
            public var degraded: String?
        }

        public var ready: Bool
        public var probes: [Entry]
    }

    /// Runs every probe concurrently, each bounded by `timeout`.
    public func evaluate(timeout: Duration = .seconds(2)) async -> Report {
        let current = probes.all
        let entries = await withTaskGroup(of: (Int, Report.Entry).self) { group in
            for (index, probe) in current.enumerated() {
                group.addTask {
                    let reason = await Self.bounded(probe.check, timeout: timeout)
                    let degraded = reason == nil ? await probe.degradation() : nil
                    return (index, Report.Entry(name: probe.name, ready: reason == nil, reason: reason, degraded: degraded))
                }
            }
            var results: [(Int, Report.Entry)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return Report(ready: entries.allSatisfy(\.ready), probes: entries)
    }

    private enum Outcome: Sendable {
        case answered(String?)
        case timedOut
    }

    /// The probe's answer, or a timeout reason. A probe that ignores
    /// cancellation still delays the report, so probes should have their
    /// own timeouts (the store clients do).
    private static func bounded(_ check: @escaping @Sendable () async -> String?, timeout: Duration) async -> String? {
        await withTaskGroup(of: Outcome.self) { group in
            group.addTask { .answered(await check()) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .timedOut
            }
            let first = await group.next()
            group.cancelAll()
            switch first {
            case .answered(let reason): return reason
            case .timedOut, nil: return "no answer within \(timeout)"
            }
        }
    }
}

/// Probe list behind a lock, so probes can be registered while serving.
private final class LockedProbes: @unchecked Sendable {
    private let lock = NSLock()
    private var probes: [ReadinessProbe]

    init(_ probes: [ReadinessProbe]) { self.probes = probes }

    var all: [ReadinessProbe] { lock.withLock { probes } }

    func upsert(_ probe: ReadinessProbe) {
        lock.withLock {
            if let index = probes.firstIndex(where: { $0.name == probe.name }) {
                probes[index] = probe
            } else {
                probes.append(probe)
            }
        }
    }
}
