/// The person is old enough for the purpose; unknown age is refused when a
/// minimum applies.
///
/// iAM Smart serves holders from age 11 (11–17 with guardian consent); a
/// real-name account is for adults unless the policy says otherwise.
public struct AgeEligibilityCheck: PIACheck {
    public let id = "age-eligibility"

    public init() {}

    public func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult {
        guard let purpose = policy.purpose(id: request.purposeID) else {
            return .fail(id, "purpose is not registered, so eligibility is unknown")
        }
        guard let minimum = purpose.minimumAge, minimum > 0 else {
            return .pass(id, "purpose has no minimum age")
        }
        guard let age = request.subjectAgeYears else {
            return .fail(id, "age unknown but the purpose requires \(minimum)+")
        }
        guard age >= 0, age < 150 else {
            return .fail(id, "age out of range")
        }
        guard age >= minimum else {
            return .fail(id, "subject is under \(minimum)")
        }
        return .pass(id, "subject is \(minimum)+")
    }
}
