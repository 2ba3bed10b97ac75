/// The recipient is registered, processes inside the Greater Bay Area, has a
/// filed Standard Contract and is bound not to transfer onward.
///
/// GBA Standard Contract: recipients in Hong Kong and the nine mainland GBA
/// cities; contract filed; no onward transfer outside the GBA. PIPL Art. 38.
public struct RecipientCheck: PIACheck {
    public let id = "recipient.registered"

    public init() {}

    public func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult {
        guard let recipient = policy.recipient(entityID: request.recipientEntityID) else {
            return .fail(id, "recipient is not registered in the policy")
        }
        guard GreaterBayArea.contains(city: recipient.city) else {
            return .fail(id, "recipient city '\(recipient.city)' is outside the Greater Bay Area")
        }
        guard !recipient.contractFilingReference.isEmpty, recipient.contractFiledOn <= request.now else {
            return .fail(id, "no Standard Contract filed for this recipient")
        }
        guard recipient.onwardTransferExcluded else {
            return .fail(id, "the recipient's contract does not exclude onward transfer")
        }
        return .pass(id, "registered, \(recipient.city), contract \(recipient.contractFilingReference)")
    }
}
