/// Values a relying party claims about the resident (for example from the
/// Home Return Permit) for the "usable but not visible" mode.
public struct ClaimedValues: Sendable, Hashable, Codable {
    /// A name in Chinese (either script) or English.
    public var name: String?
    /// A date of birth as written by the relying party (`1990-01-31`, `19900131`, `1990年1月31日`, …).
    public var birthDate: String?

    public init(name: String? = nil, birthDate: String? = nil) {
        self.name = name
        self.birthDate = birthDate
    }

    public var isEmpty: Bool { name == nil && birthDate == nil }
}

/// Per-claim outcome: only these Booleans leave the bridge.
public struct ClaimMatchResult: Sendable, Hashable, Codable {
    /// `nil` when no name was claimed.
    public var nameMatches: Bool?
    /// `nil` when no date of birth was claimed.
    public var birthDateMatches: Bool?

    public init(nameMatches: Bool? = nil, birthDateMatches: Bool? = nil) {
        self.nameMatches = nameMatches
        self.birthDateMatches = birthDateMatches
    }
}

/// Compares claimed values with the profile after normalisation.
///
/// A claim the profile cannot answer (no Chinese or English name, no birth
/// date) is `false`, never an error: the relying party learns only that the
/// claim was not confirmed.
public enum ClaimMatcher {
    public static func match(_ claims: ClaimedValues, against profile: ResidentProfile) -> ClaimMatchResult {
        ClaimMatchResult(
            nameMatches: claims.name.map { nameMatches($0, profile: profile) },
            birthDateMatches: claims.birthDate.map { claimed in
                guard let registered = profile.birthDate, let parsed = parseDate(claimed) else { return false }
                return parsed == registered
            }
        )
    }

    /// Chinese names compare with spaces removed, after folding both to
    /// Simplified script; English names compare as a multiset of words so
    /// that `CHAN, Tai Man` matches `Chan Tai Man` and `TAI MAN CHAN`.
    static func nameMatches(_ claimed: String, profile: ResidentProfile) -> Bool {
        let claimedKey = ScriptFolding.comparisonKey(claimed)
        guard !claimedKey.isEmpty else { return false }
        if let chinese = profile.chineseName {
            let registeredKey = ScriptFolding.comparisonKey(chinese)
            if !registeredKey.isEmpty, registeredKey.filter({ $0 != " " }) == claimedKey.filter({ $0 != " " }) {
                return true
            }
        }
        if let english = profile.englishName {
            let registeredWords = ScriptFolding.comparisonKey(english).split(separator: " ").sorted()
            let claimedWords = claimedKey.split(separator: " ").sorted()
            if !registeredWords.isEmpty, registeredWords == claimedWords {
                return true
            }
        }
        return false
    }

    /// Accepts `YYYYMMDD` or three digit groups in year-month-day order with
    /// any separators, after NFKC (so full-width digits work).
    static func parseDate(_ text: String) -> CalendarDate? {
        let normalised = text.precomposedStringWithCompatibilityMapping
        var groups: [String] = []
        var current = ""
        for character in normalised {
            if character.isASCII, character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                groups.append(current)
                current = ""
            }
        }
        if !current.isEmpty { groups.append(current) }
        if groups.count == 1, groups[0].count == 8 {
            return CalendarDate(yyyymmdd: groups[0])
        }
        guard groups.count == 3, groups[0].count == 4, groups[1].count <= 2, groups[2].count <= 2,
            let year = Int(groups[0]), let month = Int(groups[1]), let day = Int(groups[2])
        else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }
}
