import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
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
        // At most one retry: after a 409 the witness's size is known.
        for _ in 0..<2 {
            let old = state.witnessSize ?? 0
            guard old <= head.size else {
                throw WitnessCollectionError("the witness has cosigned \(old) entries but the log's newest checkpoint has \(head.size) (rolled back?)")
            }
            var proof: [Data] = []
            if old > 0, old < head.size {
                proof = try await log.consistencyProof(old: old, new: head.size).pathHashes()
            }
            let answer = try await post(AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: head.note).body, to: witness.url)
            switch answer.status {
            case 200:
                state.witnessSize = head.size
                guard try await log.addCosignatures(answer.body, by: witness.key, size: head.size) else {
                    throw WitnessCollectionError("the tree head changed while the cosignature was added; next round")
                }
                return
            case 409 where answer.contentType.hasPrefix("text/x.tlog.size"):
                guard let size = Int(answer.body.trimmingCharacters(in: .newlines)), size >= 0, size != state.witnessSize else {
                    throw WitnessCollectionError("the witness refuses size \(head.size) (409 Conflict at its size \(answer.body.prefix(20)))")
                }
                state.witnessSize = size
            default:
                throw WitnessCollectionError("HTTP \(answer.status): \(answer.body.prefix(300))")
            }
        }
        throw WitnessCollectionError("the witness kept answering 409 Conflict")
    }

    private func post(_ body: String, to url: URL) async throws -> (status: Int, contentType: String, body: String) {
        var request = HTTPClientRequest(url: url.appendingPathComponent("add-checkpoint").absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 64 * 1024)
        return (Int(response.status.code), response.headers.first(name: "Content-Type") ?? "", String(buffer: bytes))
    }

    /// The `witnesses` readiness answer: `nil` while every witness has
    /// cosigned the newest checkpoint, or has been behind for less than `maxLag`.
    public func lagProblem() -> String? {
        let limit = Double(maxLag.components.seconds)
        let late = witnesses.compactMap { witness -> String? in
            guard let state = progress[witness.key.name], let since = state.behindSince else { return nil }
            let lag = now().timeIntervalSince(since)
            guard lag > limit else { return nil }
            return "witness \(witness.key.name) has not cosigned for \(Int(lag)) s (size \(state.cosignedSize); \(state.lastError ?? "no answer yet"))"
        }
        return late.isEmpty ? nil : late.joined(separator: "; ")
    }

    /// The newest size each witness cosigned, by witness name.
    public func cosignedSizes() -> [String: Int] {
        progress.mapValues(\.cosignedSize)
    }
}

struct WitnessCollectionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
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
