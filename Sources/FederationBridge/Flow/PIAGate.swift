@preconcurrency import Crypto
import Foundation
import Logging
import PIAChecks

/// The privacy gate: evaluates every check and appends the verdict to the
/// transfer log, durably, before anything is built or sent. If the append
/// fails, the caller gets `transferLogUnavailable` and nothing leaves.
struct PIAGate: Sendable {
    /// What the resident said, if they were asked.
    enum Answer: Sendable {
        case agreed(ConsentRecord)
        case declined
        /// Not asked: a check that does not depend on the answer already failed.
        case notAsked
    }

    /// The checks run against the policy in force when each decision starts.
    let policies: PolicyStore
    let log: TransferLog
    /// Keys the subject digest in log entries (derived from the pseudonym secret).
    let subjectKey: SymmetricKey
    let metrics: BridgeMetrics

    /// The checks that do not depend on the resident's answer, evaluated as
    /// if they agreed: when this fails, asking would lead nowhere.
    func eligibility(_ request: TransferRequest, provisionalConsent: ConsentRecord) async -> Verdict {
        await eligibility(request, provisionalConsent: provisionalConsent, evaluator: PIAEvaluator(policy: policies.current))
    }

    private func eligibility(_ request: TransferRequest, provisionalConsent: ConsentRecord, evaluator: PIAEvaluator) async -> Verdict {
        var provisional = request
        provisional.consent = provisionalConsent
        return await evaluator.evaluate(provisional, log: log)
    }

    /// The verdict and decision, once they are in the log.
    func decide(
        _ request: TransferRequest, answer: Answer, provisionalConsent: ConsentRecord, pairwiseSubject: String, assertionID: String,
        logger: Logger
    ) async throws(FlowError) -> (verdict: Verdict, decision: TransferDecision) {
        let started = ContinuousClock.now
        let evaluator = PIAEvaluator(policy: policies.current)
        let verdict: Verdict
        let decision: TransferDecision
        var logged = request
        switch answer {
        case .agreed(let consent):
            logged.consent = consent
            verdict = await evaluator.evaluate(logged, log: log)
            decision = verdict.decision
        case .declined, .notAsked:
            // The consent check is left out: no consent was given, and none was
            // needed to know the outcome. What remains is what was checked.
            let checked = await eligibility(request, provisionalConsent: provisionalConsent, evaluator: evaluator)
            verdict = Verdict(results: checked.results.filter { $0.id != ConsentCheck().id })
            if case .declined = answer, verdict.allowsTransfer { decision = .declined } else { decision = .refused }
        }
        let entry = TransferLogEntry(
            request: logged, verdict: verdict, policy: evaluator.policy, pairwiseSubject: pairwiseSubject,
            subjectKey: subjectKey, assertionID: assertionID, decision: decision)
        let sequenced: SequencedEntry
        do {
            sequenced = try await log.append(entry)
        } catch TransferLogError.notExtending(let problem) {
            metrics.recordLogIntegrity(consistent: false)
            logger.critical("transfer log does not extend the newest signed checkpoint: nothing is sent", metadata: ["problem": "\(problem)"])
            throw FlowError(
                .transferLogUnavailable, .serviceUnavailable, .internal,
                "the transfer log does not extend the newest checkpoint this bridge signed (\(problem)); no data was sent. Restore the log; /readyz names the problem."
            )
        } catch {
            logger.error("transfer log append failed: nothing is sent", metadata: ["error.type": "\(type(of: error))"])
            throw FlowError(
                .transferLogUnavailable, .serviceUnavailable, .internal,
                "the transfer log could not record the decision durably (\(type(of: error))); no data was sent. Check the transfer log store.")
        }
        for result in verdict.results { metrics.recordCheck(result.id, passed: result.passed) }
        metrics.recordTransfer(recipient: request.recipientEntityID, decision: decision)
        metrics.recordLatency(operation: "flow.gate", duration: ContinuousClock.now - started)
        logger.info(
            "privacy verdict logged",
            metadata: [
                "log.seq": "\(sequenced.seq)", "decision": "\(decision.rawValue)",
                "failed": "\(verdict.failures.map(\.id).joined(separator: ","))",
            ])
        return (verdict, decision)
    }
}
