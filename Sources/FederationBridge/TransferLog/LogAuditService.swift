import Foundation
import Logging
import PIAChecks
import ServiceLifecycle

/// Audits everything the transfer log signed, every `interval`, until
/// shutdown (`TransferLog.audit`).
///
/// The first audit runs at start-up, so a log edited while the bridge was
/// stopped is found before long. Chunks are separated by a short pause so a
/// pass over a million entries shares the CPU with sign-ins instead of
/// taking it. A failed audit latches in the log (every transfer refused,
/// `/readyz` names the entry) and is not retried.
struct LogAuditService: Service {
    let log: TransferLog
    let interval: Duration
    let metrics: BridgeMetrics
    let logger: Logger
    var pause: Duration = .milliseconds(20)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var failed = false
            while !Task.isCancelled {
                // After a failure the service stays (a returning service ends the
                // whole group) but audits no more: the failure is latched.
                if !failed { failed = await auditOnce() }
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
            }
        }
    }

    /// One pass; `true` when it found the log changed behind the bridge's back.
    private func auditOnce() async -> Bool {
        do {
            let entries = try await log.audit(pause: pause)
            metrics.recordLogAudit(entries: entries, at: Date())
            logger.info("transfer log audit passed", metadata: ["log.size": "\(entries)"])
        } catch let error as TransferLogError where error.isIntegrityFailure {
            metrics.recordLogIntegrity(consistent: false)
            logger.critical("transfer log audit failed; every transfer is refused", metadata: ["problem": "\(error)"])
            return true
        } catch is CancellationError {
        } catch {
            logger.error("transfer log audit could not run; trying again later", metadata: ["problem": "\(error)"])
        }
        return false
    }
}
