import Foundation
import Logging
import Synchronization

/// Writes failure records for reviewers, without ever holding up or
/// breaking the answer the resident is waiting for.
///
/// One INSERT per failure. The write runs in a task of its own and the
/// caller waits for it at most `wait`: a store that is down or slow costs
/// a warning in the log, never a hang, a crash or a different error page.
public struct FailureRecorder: Sendable {
    let store: any StateStore
    /// How long a record is kept (`flow.failureRetention`).
    let retention: Duration
    let wait: Duration

    public init(store: any StateStore, retention: Duration, wait: Duration = .seconds(2)) {
        self.store = store
        self.retention = retention
        self.wait = wait
    }

    /// Records the failure; returns whether it was written in time.
    @discardableResult
    public func record(_ record: FailureRecord, logger: Logger) async -> Bool {
        guard FailureRecord.isReference(record.reference) else {
            logger.warning("failure not recorded: unexpected reference form", metadata: ["code": "\(record.code)"])
            return false
        }
        var record = record
        record.flowReference = record.flowReference.flatMap(FlowID.init)?.value
        record.partner = record.partner.map { String($0.prefix(1024)) }
        let expiresAt = record.time.addingTimeInterval(Double(retention.components.seconds))
        let (store, written) = (store, record)
        var timer: Task<Void, Never>?
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let once = ResumeOnce(continuation)
            // Unstructured on purpose: a write stuck in the store must not keep the page waiting.
            let writer = Task {
                do {
                    try await store.recordFailure(written, expiresAt: expiresAt)
                    once.resume(.written)
                } catch {
                    once.resume(.failed("\(type(of: error))"))
                }
            }
            timer = Task {
                try? await Task.sleep(for: wait)
                if once.resume(.late) { writer.cancel() }
            }
        }
        timer?.cancel()
        switch outcome {
        case .written:
            return true
        case .failed(let type):
            logger.warning("failure not recorded for reviewers", metadata: ["reference": "\(record.reference)", "error.type": "\(type)"])
        case .late:
            logger.warning("failure not recorded for reviewers: the store did not answer in time", metadata: ["reference": "\(record.reference)"])
        }
        return false
    }

    enum Outcome: Sendable {
        case written
        case failed(String)
        case late
    }

    /// Resumes the continuation once, whichever of the writer and the timer comes first.
    final class ResumeOnce: Sendable {
        private let continuation: Mutex<CheckedContinuation<Outcome, Never>?>

        init(_ continuation: CheckedContinuation<Outcome, Never>) {
            self.continuation = Mutex(continuation)
        }

        @discardableResult
        func resume(_ outcome: Outcome) -> Bool {
            guard let waiting = continuation.withLock({ $0.take() }) else { return false }
            waiting.resume(returning: outcome)
            return true
        }
    }
}
