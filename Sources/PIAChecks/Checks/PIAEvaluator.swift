import Foundation

/// Runs every check on a request and gathers the verdict.
///
/// Every check always runs, even after a failure, so the log shows the full
/// picture of why a transfer was refused.
public struct PIAEvaluator: Sendable {
    public let policy: Policy
    public let checks: [any PIACheck]

    /// The checks the bridge runs by default, in the order they are logged.
    public static let standardChecks: [any PIACheck] = [
        RecipientCheck(), PurposeCheck(), MinimisationCheck(), ConsentCheck(), LegalBasisCheck(),
        AssuranceCheck(), AgeEligibilityCheck(), SensitiveAttributesCheck(), EncryptionCheck(),
        RetentionCheck(), VolumeCheck(),
    ]

    public init(policy: Policy, checks: [any PIACheck] = PIAEvaluator.standardChecks) {
        self.policy = policy
        self.checks = checks
    }

    /// Evaluates `request`, reading recent volume from `log`. A log that
    /// cannot be read makes the volume check fail: the gate fails closed.
    public func evaluate(_ request: TransferRequest, log: (any TransferHistory)?) async -> Verdict {
        var context = CheckContext()
        if let log {
            do {
                let counts = try await log.hourlyTransferCounts(
                    recipient: request.recipientEntityID, hours: policy.volume.windowHours, now: request.now)
                context = CheckContext(currentHourTransfers: counts.current, recentHourlyTransfers: counts.previous)
            } catch {
                context = CheckContext(historyAvailable: false)
            }
        }
        return evaluate(request, context: context)
    }

    /// Evaluates with a context already gathered.
    public func evaluate(_ request: TransferRequest, context: CheckContext) -> Verdict {
        Verdict(results: checks.map { $0.evaluate(request, policy: policy, context: context) })
    }
}
