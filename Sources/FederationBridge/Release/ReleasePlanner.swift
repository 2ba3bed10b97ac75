import IAMSmart
import PIAChecks
import SAMLMapper

/// What a flow may ask iAM Smart for and release to a relying party, and
/// what its sign-in is worth: pure decisions, no I/O, so they are tested
/// without HTTP.
struct ReleasePlanner: Sendable {
    /// Attribute names the purpose allows.
    var purposeAllows: Set<String>
    /// The relying party's RequestedAttributes, matched through the registered names.
    var requests: RequestedAttributes
    /// "Usable but not visible": the relying party sent values to check.
    var claimMode: Bool
    /// The purpose's minimum age, if any.
    var minimumAge: Int?

    init(purposeAllows: Set<String>, requested: [ServiceProviderMetadata.RequestedAttribute], claimMode: Bool, minimumAge: Int? = nil) {
        self.purposeAllows = purposeAllows
        self.requests = RequestedAttributes(requested)
        self.claimMode = claimMode
        self.minimumAge = minimumAge
    }

    /// Platform names of the attributes the relying party's metadata requests.
    var relyingPartyRequests: Set<String> { requests.names }

    private static let compared: [GuangdongAttribute] = [.chineseName, .chineseNameSimplified, .englishName]
    private static let matches: [GuangdongAttribute] = [.nameMatches, .birthDateMatches]

    /// Allowed by the purpose and requested by the relying party; in claim
    /// mode none of the compared values (only the match results), otherwise
    /// no match results.
    var releasable: Set<String> {
        var allowed = purposeAllows.intersection(relyingPartyRequests)
        allowed.subtract((claimMode ? Self.compared : Self.matches).map(\.rawValue))
        return allowed
    }

    /// Each requested attribute that will not be released, before any data
    /// is read, with the reason: an unknown name, not in the purpose, or
    /// excluded by the claim mode.
    var withheldRequests: [WithheldRequest] {
        var withheld = requests.unknown.map { WithheldRequest(requested: $0.form, reason: .unknownName) }
        for attribute in GuangdongAttribute.allCases {
            guard let form = requests.forms[attribute] else { continue }
            let reason: WithheldRequest.Reason
            if !purposeAllows.contains(attribute.rawValue) {
                reason = .notInPurpose
            } else if claimMode, Self.compared.contains(attribute) {
                reason = .comparedOnly
            } else if !claimMode, Self.matches.contains(attribute) {
                reason = .noClaim
            } else {
                continue
            }
            withheld.append(WithheldRequest(requested: form.description, reason: reason))
        }
        return withheld
    }

    /// `withheldRequests` plus the releasable attributes the mapper could not produce.
    func withheldRequests(mapped: [GuangdongAttribute: WithheldReason]) -> [WithheldRequest] {
        withheldRequests
            + GuangdongAttribute.allCases.compactMap { attribute in
                mapped[attribute].map {
                    WithheldRequest(requested: requests.form(of: attribute).description, reason: .notProduced, detail: $0.rawValue)
                }
            }
    }

    /// The released attributes written as the relying party requested them.
    func answering(_ released: [SAMLMapper.ReleasedAttribute]) -> [SAMLMapper.ReleasedAttribute] {
        released.map { $0.answering(as: requests.form(of: $0.name)) }
    }

    /// The iAM Smart profile fields behind `releasable`, plus the birth date
    /// when the purpose has a minimum age (the age is checked, never sent).
    var profileFields: [ProfileField] {
        var fields: Set<ProfileField> = []
        for name in releasable.compactMap(GuangdongAttribute.init(rawValue:)) {
            switch name {
            case .chineseName, .chineseNameSimplified: fields.formUnion([.chName, .chNameVerified])
            case .englishName: fields.insert(.enName)
            case .sex: fields.insert(.gender)
            case .ageOver18, .birthDateMatches: fields.insert(.birthDate)
            case .nameMatches: fields.formUnion([.chName, .enName])
            default: break
            }
        }
        if (minimumAge ?? 0) > 0 { fields.insert(.birthDate) }
        return ProfileField.allCases.filter(fields.contains)
    }

    /// The privacy checks' assurance level for a sign-in: `high` for iAM
    /// Smart+ or a live face match, `substantial` otherwise.
    static func assuranceLevel(_ assurance: Assurance) -> PIAChecks.AssuranceLevel {
        assurance.level == .plus || assurance.faceRecognitionUsed ? .high : .substantial
    }
}
