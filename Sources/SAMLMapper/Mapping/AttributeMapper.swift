import Foundation

/// Turns an iAM Smart profile into the attributes one relying party receives.
///
/// Pure: no XML, no I/O, no logging. Only attributes in the purpose's allowed
/// set are produced, and each records the transforms behind it so that the
/// privacy checks can confirm minimisation. The birth date and the openID are
/// never released; only values derived from them are.
public struct AttributeMapper: Sendable {
    public var tables: MappingTables
    /// Birthdays are counted in Hong Kong time, where the resident lives.
    public var timeZone: TimeZone

    public init(tables: MappingTables, timeZone: TimeZone = TimeZone(identifier: "Asia/Hong_Kong") ?? .gmt) {
        self.tables = tables
        self.timeZone = timeZone
    }

    /// - Parameters:
    ///   - allowed: SAML attribute names the purpose allows (`GuangdongAttribute` raw values).
    ///   - claims: values the relying party asked to have checked, if any.
    ///   - now: the current time, for the age claim.
    public func map(
        _ profile: ResidentProfile,
        recipientEntityID: String,
        allowed: Set<String>,
        claims: ClaimedValues = ClaimedValues(),
        now: Date = Date()
    ) -> AttributeRelease {
        let nameID = PairwiseIdentifier(
            secret: tables.pseudonymSecret, openID: profile.openID,
            recipientEntityID: recipientEntityID, scope: tables.pairwiseScope)
        let known = Set(GuangdongAttribute.allCases.map(\.rawValue))
        let matches = ClaimMatcher.match(claims, against: profile)
        var released: [ReleasedAttribute] = []
        var withheld: [GuangdongAttribute: WithheldReason] = [:]

        for name in GuangdongAttribute.allCases where allowed.contains(name.rawValue) {
            switch produce(name, profile: profile, nameID: nameID, matches: matches, now: now) {
            case .success(let attribute): released.append(attribute)
            case .failure(let reason): withheld[name] = reason.reason
            }
        }
        return AttributeRelease(
            nameID: nameID, attributes: released, withheld: withheld,
            unknownAllowedNames: allowed.subtracting(known).sorted())
    }

    private struct Withheld: Error { var reason: WithheldReason }

    private func produce(
        _ name: GuangdongAttribute, profile: ResidentProfile, nameID: PairwiseIdentifier,
        matches: ClaimMatchResult, now: Date
    ) -> Result<ReleasedAttribute, Withheld> {
        func value(_ text: String?, _ transforms: [AttributeTransform], missing: WithheldReason = .notInProfile)
            -> Result<ReleasedAttribute, Withheld>
        {
            guard let text, !text.isEmpty else { return .failure(Withheld(reason: missing)) }
            return .success(ReleasedAttribute(name: name, values: [text], transforms: transforms))
        }
        func trimmed(_ text: String?) -> String? {
            text?.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        switch name {
        case .chineseName:
            guard profile.chineseNameVerified || trimmed(profile.chineseName)?.isEmpty != false else {
                return .failure(Withheld(reason: .notVerified))
            }
            return value(trimmed(profile.chineseName), [.verbatim])
        case .chineseNameSimplified:
            guard let chinese = trimmed(profile.chineseName), !chinese.isEmpty else {
                return .failure(Withheld(reason: .notInProfile))
            }
            guard profile.chineseNameVerified else { return .failure(Withheld(reason: .notVerified)) }
            return value(ScriptFolding.simplified(chinese), [.hantToHans], missing: .transformUnavailable)
        case .englishName:
            return value(trimmed(profile.englishName), [.verbatim])
        case .sex:
            return value(Self.gbt2261Code(forIAMSmartGender: profile.gender), [.gbt2261Sex])
        case .userType:
            return value("1", [.configuredConstant])
        case .isReal:
            return value("1", [.configuredConstant])
        case .realType:
            return value(tables.realTypeCode, [.configuredConstant], missing: .notConfigured)
        case .idCardType:
            return value(tables.idCardTypeCodes["hkid"], [.configuredConstant], missing: .notConfigured)
        case .creditableLevel:
            let level = tables.creditableLevel(for: profile.assurance, faceRecognitionUsed: profile.faceRecognitionUsed)
            return value(level, [.assuranceLevelTable], missing: .notConfigured)
        case .ageOver18:
            guard let birthDate = profile.birthDate else { return .failure(Withheld(reason: .notInProfile)) }
            let adult = birthDate.age(on: today(now)) >= 18
            return value(adult ? "true" : "false", [.ageOver18])
        case .nameMatches:
            return value(matches.nameMatches.map { $0 ? "true" : "false" }, [.claimMatch], missing: .noClaim)
        case .birthDateMatches:
            return value(matches.birthDateMatches.map { $0 ? "true" : "false" }, [.claimMatch], missing: .noClaim)
        case .pairwiseID:
            return value(nameID.scopedValue, [.pairwiseHMAC])
        }
    }

    /// Today's date where the resident lives.
    public func today(_ now: Date) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: now)
        return CalendarDate(validYear: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    /// GB/T 2261.1: `1` male, `2` female, `9` not stated (no value given),
    /// `0` unknown (a value the table does not know). The input is matched
    /// case-insensitively against iAM Smart's `M`/`F` and their spelled-out forms.
    public static func gbt2261Code(forIAMSmartGender gender: String?) -> String {
        guard let raw = gender?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return "9" }
        switch raw.uppercased() {
        case "M", "MALE": return "1"
        case "F", "FEMALE": return "2"
        default: return "0"
        }
    }
}
