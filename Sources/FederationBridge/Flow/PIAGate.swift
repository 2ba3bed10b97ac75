@preconcurrency import Crypto
import Foundation
import Logging
import PIAChecks

/// The privacy gate: evaluates every check and appends the verdict to the
/// transfer log, durably, before anything is built or sent. If the append
/// fails, the caller gets `transferLogUnavailable` and nothing leaves.
struct PIAGate: Sendable {
    let evaluator: PIAEvaluator
    let log: TransferLog
    /// Keys the subject digest in log entries (derived from the pseudonym secret).
    let subjectKey: SymmetricKey
    let metrics: BridgeMetrics

    /// The verdict, once it is in the log.
    func decide(
        _ request: TransferRequest, pairwiseSubject: String, assertionID: String, declined: Bool, logger: Logger
    ) async throws(FlowError) -> Verdict {
        let started = ContinuousClock.now
        let verdict = await evaluator.evaluate(request, log: log)
        let entry = TransferLogEntry(
            request: request, verdict: verdict, policy: evaluator.policy, pairwiseSubject: pairwiseSubject,
            subjectKey: subjectKey, assertionID: assertionID)
        let sequenced: SequencedEntry
        do {
            sequenced = try await log.append(entry)
        } catch TransferLogError.notExtending(let problem) {
            metrics.recordLogIntegrity(consistent: false)
            logger.critical("transfer log does not extend the newest signed checkpoint: nothing is sent", metadata: ["problem": "\(problem)"])
            throw FlowError(
                .transferLogUnavailable, .serviceUnavailable, .internal,
                "the transfer log does not extend the newest checkpoint this bridge signed (\(problem)); no data was sent. Restore the log; /readyz names the problem.")
        } catch {
            logger.error("transfer log append failed: nothing is sent", metadata: ["error.type": "\(type(of: error))"])
            throw FlowError(
                .transferLogUnavailable, .serviceUnavailable, .internal,
                "the transfer log could not record the decision durably (\(type(of: error))); no data was sent. Check the transfer log store.")
        }
        for result in verdict.results { metrics.recordCheck(result.id, passed: result.passed) }
        let decision: BridgeMetrics.TransferDecision = declined ? .declined : (verdict.allowsTransfer ? .transfer : .refused)
        metrics.recordTransfer(recipient: request.recipientEntityID, decision: decision)
        metrics.recordLatency(operation: "flow.gate", duration: ContinuousClock.now - started)
        logger.info("privacy verdict logged", metadata: [
            "log.seq": "\(sequenced.seq)", "decision": "\(decision.rawValue)",
            "failed": "\(verdict.failures.map(\.id).joined(separator: ","))",
        ])
        return verdict
    }
}
