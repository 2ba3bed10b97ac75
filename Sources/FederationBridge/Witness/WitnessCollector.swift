import AsyncHTTPClient
import Foundation
import Logging
import PIAChecks
import ServiceLifecycle

/// Gathers witness cosignatures for the newest checkpoint in the background,
/// every `interval`, never on a transfer's path: one request per witness per
/// round covers every entry appended since (batching by construction).
///
/// Each witness keeps only its latest cosigned size, so the collector sends
/// a consistency proof from that size; a 409 tells it the witness's size.
/// A witness that stays behind longer than `maxLag` fails `/readyz`.
public actor WitnessCollector {
    struct Progress {
        /// The witness's latest cosigned size, as it told us.
        var witnessSize: Int?
        /// The newest size whose head carries this witness's cosignature.
        var cosignedSize = 0
        /// When the newest checkpoint was first seen without this witness's cosignature.
        var behindSince: Date?
        var lastError: String?
    }

    let log: TransferLog
    let witnesses: [BridgeConfiguration.Witness]
    let maxLag: Duration
    let metrics: BridgeMetrics
    let logger: Logger
    let client: HTTPClient
    let now: @Sendable () -> Date
    private var progress: [String: Progress] = [:]

    public init(
        log: TransferLog, witnesses: [BridgeConfiguration.Witness], maxLag: Duration, metrics: BridgeMetrics, logger: Logger,
        client: HTTPClient = .shared, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.log = log
        self.witnesses = witnesses
        self.maxLag = maxLag
        self.metrics = metrics
        self.logger = logger
        self.client = client
        self.now = now
    }

    /// One round: the newest checkpoint to every witness not yet holding it.
    public func collect() async {
        let head: StoredTreeHead
        do {
            guard let latest = try await log.latestTreeHead() else { return }
            head = latest
        } catch {
            logger.warning("cannot read the newest checkpoint for the witnesses", metadata: ["error": "\(error)"])
            return
        }
        for witness in witnesses {
            await submit(head, to: witness)
        }
    }

    private func submit(_ head: StoredTreeHead, to witness: BridgeConfiguration.Witness) async {
        let name = witness.key.name
        var state = progress[name] ?? Progress()
        if state.cosignedSize < head.size, state.behindSince == nil { state.behindSince = now() }
        if state.cosignedSize < head.size {
            do {
                try await cosign(head, by: witness, state: &state)
                state.cosignedSize = head.size
                state.behindSince = nil
                state.lastError = nil
            } catch {
                state.lastError = "\(error)"
                logger.warning("witness did not cosign", metadata: ["witness": "\(name)", "size": "\(head.size)", "error": "\(error)"])
            }
        }
        progress[name] = state
        let lag = state.behindSince.map { now().timeIntervalSince($0) } ?? 0
        metrics.recordWitnessLag(witness: name, seconds: lag, entries: head.size - state.cosignedSize)
    }

    private func cosign(_ head: StoredTreeHead, by witness: BridgeConfiguration.Witness, state: inout Progress) async throws {
        let lines = try await WitnessClient(witness: witness, client: client).cosign(head, log: log, witnessSize: &state.witnessSize)
        guard try await log.addCosignatures(lines, by: witness.key, size: head.size) else {
            throw WitnessClientError("the tree head changed while the cosignature was added; next round")
        }
    }

    /// The `witnesses` readiness answer: `nil` while every witness has
    /// cosigned the newest checkpoint, or has been behind for less than `maxLag`.
    public func lagProblem() -> String? {
        let limit = Double(maxLag.components.seconds)
        let late = witnesses.compactMap { witness -> String? in
            guard let state = progress[witness.key.name], let since = state.behindSince else { return nil }
            let lag = now().timeIntervalSince(since)
            guard lag > limit else { return nil }
            return
                "witness \(witness.key.name) has not cosigned for \(Int(lag)) s (size \(state.cosignedSize); \(state.lastError ?? "no answer yet"))"
        }
        return late.isEmpty ? nil : late.joined(separator: "; ")
    }

    /// The newest size each witness cosigned, by witness name.
    public func cosignedSizes() -> [String: Int] {
        progress.mapValues(\.cosignedSize)
    }
}

/// Runs `WitnessCollector.collect` every `interval` until shutdown.
struct WitnessCollectionService: Service {
    let collector: WitnessCollector
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await collector.collect()
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
            }
        }
    }
}
