/// The identity was established at least as strongly as the purpose needs.
///
/// Real-name account opening relies on the source's identity proofing; a
/// weaker sign-in must not open a real-name account.
public struct AssuranceCheck: PIACheck {
    public let id = "assurance"

    public init() {}

    public func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult {
        guard let purpose = policy.purpose(id: request.purposeID) else {
            return .fail(id, "purpose is not registered, so no assurance level applies")
        }
        guard request.assurance >= purpose.requiredAssurance else {
            return .fail(id, "assurance \(request.assurance.rawValue) is below required \(purpose.requiredAssurance.rawValue)")
        }
        return .pass(id, "assurance \(request.assurance.rawValue) ≥ \(purpose.requiredAssurance.rawValue)")
    }
}
