/// The recipient keeps the data no longer than the purpose allows.
///
/// PDPO DPP2(2) (no longer than necessary); the Standard Contract's retention
/// term.
public struct RetentionCheck: PIACheck {
    public let id = "retention"

    public init() {}

    public func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult {
        guard let recipient = policy.recipient(entityID: request.recipientEntityID),
            let purpose = policy.purpose(id: request.purposeID)
        else {
            return .fail(id, "recipient or purpose not registered, so retention is unknown")
        }
        guard recipient.retentionDays <= purpose.maxRetentionDays else {
            return .fail(id, "recipient keeps data \(recipient.retentionDays) days, purpose allows \(purpose.maxRetentionDays)")
        }
        return .pass(id, "retention \(recipient.retentionDays) ≤ \(purpose.maxRetentionDays) days")
    }
}
