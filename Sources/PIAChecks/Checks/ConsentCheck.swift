import Foundation

/// Separate consent for exactly this recipient, purpose and attribute set,
/// given recently, against a known consent text.
///
/// PIPL Art. 39 (separate consent for cross-border provision), GBA Standard
/// Contract (tell the person and obtain consent before transfer), PDPO DPP3.
public struct ConsentCheck: PIACheck {
    public let id = "consent.separate"
    /// Consent time may be this far ahead of `now` (clock skew between instances).
    public var allowedSkewSeconds: Double

    public init(allowedSkewSeconds: Double = 30) {
        self.allowedSkewSeconds = allowedSkewSeconds
    }

    public func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult {
        guard let consent = request.consent else {
            return .fail(id, "no consent recorded")
        }
        guard consent.recipientEntityID == request.recipientEntityID else {
            return .fail(id, "consent was given for a different recipient")
        }
        guard consent.purposeID == request.purposeID else {
            return .fail(id, "consent was given for a different purpose")
        }
        guard consent.attributes == request.releasedNames else {
            let extra = request.releasedNames.subtracting(consent.attributes).sorted()
            let fewer = consent.attributes.subtracting(request.releasedNames).sorted()
            var parts: [String] = []
            if !extra.isEmpty { parts.append("not consented: \(extra.joined(separator: ", "))") }
            if !fewer.isEmpty { parts.append("consented but not released: \(fewer.joined(separator: ", "))") }
            return .fail(id, "consent covers a different attribute set (\(parts.joined(separator: "; ")))")
        }
        guard policy.consentTextVersion(id: consent.textVersion) != nil else {
            return .fail(id, "consent text version '\(consent.textVersion)' is not in the policy")
        }
        let age = request.now.timeIntervalSince(consent.givenAt)
        guard age >= -allowedSkewSeconds else {
            return .fail(id, "consent time is in the future")
        }
        guard age <= Double(policy.consentMaxAgeSeconds) else {
            return .fail(id, "consent is \(Int(age)) s old, older than \(policy.consentMaxAgeSeconds) s")
        }
        return .pass(id, "separate consent, text \(consent.textVersion), \(max(0, Int(age))) s old")
    }
}
