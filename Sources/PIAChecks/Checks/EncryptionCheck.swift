/// The assertion is encrypted to the recipient when the purpose requires it.
///
/// PDPO DPP4 (security) and the Standard Contract's security obligations:
/// the browser and any intermediary must not see the attributes.
public struct EncryptionCheck: PIACheck {
    public let id = "encryption"

    public init() {}

    public func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult {
        guard let purpose = policy.purpose(id: request.purposeID) else {
            return .fail(id, "purpose is not registered, so encryption is assumed required")
        }
        if purpose.encryptionRequired, !request.encryptedToRecipient {
            return .fail(id, "purpose requires encryption to the recipient but the assertion is not encrypted")
        }
        return .pass(id, request.encryptedToRecipient ? "encrypted to the recipient" : "encryption not required")
    }
}
