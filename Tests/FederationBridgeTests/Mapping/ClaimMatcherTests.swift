import Foundation
import SAMLMapper
import Testing

@Suite struct ClaimMatcherTests {
    static let profile = ResidentProfile(
        openID: "o", chineseName: "陳大文", englishName: "CHAN, Tai Man",
        birthDate: CalendarDate(year: 1980, month: 1, day: 31))

    @Test(arguments: [
        ("陈大文", true),  // Simplified script on the Home Return Permit
        ("陳 大文", true),  // stray space
        ("陳大武", false),
        ("Chan Tai Man", true),  // English, no comma, other case
        ("TAI MAN CHAN", true),  // word order
        ("ＣＨＡＮ　ＴＡＩ　ＭＡＮ", true),  // full-width letters and ideographic space (NFKC)
        ("Chan Tai", false),
        ("", false),
        ("   ", false),
    ])
    func nameClaims(claimed: String, expected: Bool) {
        let result = ClaimMatcher.match(ClaimedValues(name: claimed), against: Self.profile)
        #expect(result.nameMatches == expected)
        #expect(result.birthDateMatches == nil)
    }

    @Test(arguments: [
        ("1980-01-31", true), ("19800131", true), ("1980/1/31", true), ("1980年1月31日", true),
        ("１９８０－０１－３１", true), ("1980-01-30", false), ("31/01/1980", false), ("1980-02-31", false), ("garbage", false),
    ])
    func birthDateClaims(claimed: String, expected: Bool) {
        #expect(ClaimMatcher.match(ClaimedValues(birthDate: claimed), against: Self.profile).birthDateMatches == expected)
    }

    @Test func claimsAgainstAProfileThatLacksTheDataAreFalse() {
        let empty = ResidentProfile(openID: "o")
        let result = ClaimMatcher.match(ClaimedValues(name: "陳大文", birthDate: "1980-01-31"), against: empty)
        #expect(result == ClaimMatchResult(nameMatches: false, birthDateMatches: false))
    }

    @Test func mappedClaimsReleaseOnlyBooleans() throws {
        let tables = MappingTables(
            pseudonymSecret: .init(size: .bits256), pairwiseScope: "s.example", realTypeCode: "IAMSMART",
            creditableLevels: ["basic": "L2", "plus": "L3"])
        let release = AttributeMapper(tables: tables).map(
            Self.profile, recipientEntityID: "https://sp.example",
            allowed: ["name_matches", "birthdate_matches"],
            claims: ClaimedValues(name: "陈大文", birthDate: "1980-01-30"))
        #expect(release.samlAttributes.map(\.name) == ["name_matches", "birthdate_matches"])
        #expect(release[.nameMatches]?.attribute.values == ["true"])
        #expect(release[.birthDateMatches]?.attribute.values == ["false"])
        #expect(release[.nameMatches]?.transforms == [.claimMatch])
        let values = release.samlAttributes.flatMap(\.values)
        #expect(values.allSatisfy { $0 == "true" || $0 == "false" })
    }

    @Test func simplifiedConversionOfCommonSurnames() {
        #expect(ScriptFolding.simplified("陳鄭劉黃張趙馮鍾") == "陈郑刘黄张赵冯钟")
        #expect(ScriptFolding.simplified("李") == "李")
    }
}
