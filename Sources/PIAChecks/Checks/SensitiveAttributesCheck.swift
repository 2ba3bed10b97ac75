/// Sensitive attributes (ID numbers, biometrics, raw birth dates) leave only
/// where the purpose names them.
///
/// PIPL Art. 28–29 and 55 (sensitive personal information needs a specific
/// purpose and an impact assessment); the default profile sends neither ID
/// numbers nor biometrics.
public struct SensitiveAttributesCheck: PIACheck {
    public let id = "sensitive-attributes"

    public init() {}

    public func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult {
        let sensitiveReleased = request.releasedNames.intersection(policy.sensitiveAttributes)
        if sensitiveReleased.isEmpty {
            return .pass(id, "no sensitive attributes released")
        }
        guard let purpose = policy.purpose(id: request.purposeID) else {
            return .fail(id, "sensitive attributes released for an unregistered purpose")
        }
        let unnamed = sensitiveReleased.subtracting(purpose.sensitiveAttributes)
        guard unnamed.isEmpty else {
            return .fail(id, "sensitive attributes not named by the purpose: \(unnamed.sorted().joined(separator: ", "))")
        }
        return .pass(id, "sensitive attributes named by the purpose: \(sensitiveReleased.sorted().joined(separator: ", "))")
    }
}
