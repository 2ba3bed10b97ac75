/// The purpose names a recognised legal basis, and a consent basis is backed
/// by a consent record.
///
/// PIPL Art. 13 and 38; GBA Standard Contract: have a legal basis before
/// transfer.
public struct LegalBasisCheck: PIACheck {
    public let id = "legal-basis"
    /// Bases the bridge understands (PIPL Art. 13 (1)–(2), (3)).
    public static let recognised: Set<String> = ["consent", "contract", "legal-obligation"]

    public init() {}

    public func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult {
        guard let purpose = policy.purpose(id: request.purposeID) else {
            return .fail(id, "purpose is not registered, so it has no legal basis")
        }
        guard Self.recognised.contains(purpose.legalBasis) else {
            return .fail(id, "legal basis '\(purpose.legalBasis)' is not recognised")
        }
        if purpose.legalBasis == "consent", request.consent == nil {
            return .fail(id, "legal basis is consent but no consent was recorded")
        }
        return .pass(id, "legal basis: \(purpose.legalBasis)")
    }
}
