import IAMSmart
import PIAChecks
import SAMLMapper

/// What a flow may ask iAM Smart for and release to a relying party, and
/// what its sign-in is worth: pure decisions, no I/O, so they are tested
/// without HTTP.
struct ReleasePlanner: Sendable {
    /// Attribute names the purpose allows.
    var purposeAllows: Set<String>
    /// Attribute names the relying party's metadata requests.
    var relyingPartyRequests: Set<String>
    /// "Usable but not visible": the relying party sent values to check.
    var claimMode: Bool
    /// The purpose's minimum age, if any.
    var minimumAge: Int?

    /// Allowed by the purpose and requested by the relying party; in claim
    /// mode none of the compared values (only the match results), otherwise
    /// no match results.
    var releasable: Set<String> {
        let compared: [GuangdongAttribute] = [.chineseName, .chineseNameSimplified, .englishName]
        let matches: [GuangdongAttribute] = [.nameMatches, .birthDateMatches]
        var allowed = purposeAllows.intersection(relyingPartyRequests)
        allowed.subtract((claimMode ? compared : matches).map(\.rawValue))
        return allowed
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
