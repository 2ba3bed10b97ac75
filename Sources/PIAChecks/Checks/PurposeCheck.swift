/// The purpose is registered and is the one the relying party asked for.
///
/// PDPO DPP1/DPP3 and PIPL Art. 39: data is used only for the purpose the
/// person was told about.
public struct PurposeCheck: PIACheck {
    public let id = "purpose.registered"

    public init() {}

    public func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult {
        guard policy.purpose(id: request.purposeID) != nil else {
            return .fail(id, "purpose '\(request.purposeID)' is not registered")
        }
        guard request.purposeID == request.requestedPurposeID else {
            return .fail(id, "purpose '\(request.purposeID)' is not the requested purpose '\(request.requestedPurposeID)'")
        }
        return .pass(id, "purpose '\(request.purposeID)' registered and requested")
    }
}
