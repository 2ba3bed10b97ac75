/// Only what the purpose allows, transformed as required, and only what the
/// relying party asked for.
///
/// PDPO DPP1 (not excessive); "usable but not visible": derived claims in
/// place of raw values.
public struct MinimisationCheck: PIACheck {
    public let id = "minimisation"

    public init() {}

    public func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult {
        guard let purpose = policy.purpose(id: request.purposeID) else {
            return .fail(id, "purpose is not registered, so nothing may be released")
        }
        let notAllowed = request.released.filter { purpose.allowedAttribute(named: $0.name) == nil }.map(\.name)
        if !notAllowed.isEmpty {
            return .fail(id, "not allowed for the purpose: \(notAllowed.sorted().joined(separator: ", "))")
        }
        for attribute in request.released {
            guard let allowed = purpose.allowedAttribute(named: attribute.name) else { continue }
            let missing = allowed.requiredTransforms.filter { !attribute.transforms.contains($0) }
            if !missing.isEmpty {
                return .fail(id, "\(attribute.name) released without required transform \(missing.joined(separator: ", "))")
            }
        }
        let unrequested = request.releasedNames.subtracting(request.requestedAttributes)
        if !unrequested.isEmpty {
            return .fail(id, "not requested by the relying party: \(unrequested.sorted().joined(separator: ", "))")
        }
        if Set(request.released.map(\.name)).count != request.released.count {
            return .fail(id, "an attribute is released more than once")
        }
        return .pass(id, "\(request.released.count) attributes, all allowed, requested and transformed")
    }
}
