import Crypto
import Foundation
import SAMLMapper
import Testing

@Suite struct AttributeMapperTests {
    static var secret: SymmetricKey { SymmetricKey(data: Data(repeating: 0x42, count: 32)) }
    static let tables = MappingTables(
        pseudonymSecret: secret, pairwiseScope: "bridge.example.hk", realTypeCode: "IAMSMART",
        creditableLevels: ["basic": "L2", "basic+fr": "L3", "plus": "L3"], idCardTypeCodes: ["hkid": "40"])
    static let mapper = AttributeMapper(tables: tables)
    static let recipient = "https://uaa.gd.example/sp"
    static let everything = Set(GuangdongAttribute.allCases.map(\.rawValue))

    /// 2026-11-25 12:00 Hong Kong time.
    static let now = Date(timeIntervalSince1970: 1_795_579_200)

    static let adult = ResidentProfile(
        openID: "open-id-123", chineseName: "陳大文", chineseNameVerified: true, englishName: "CHAN, Tai Man",
        birthDate: CalendarDate(year: 1980, month: 2, day: 29), gender: "M", assurance: .basic, faceRecognitionUsed: false)

    @Test func adultProfileMapsToGuangdongVocabulary() throws {
        let release = Self.mapper.map(Self.adult, recipientEntityID: Self.recipient, allowed: Self.everything, now: Self.now)
        func value(_ name: GuangdongAttribute) -> String? { release[name]?.attribute.values.first }

        #expect(value(.chineseName) == "陳大文")
        #expect(value(.chineseNameSimplified) == "陈大文")
        #expect(value(.englishName) == "CHAN, Tai Man")
        #expect(value(.sex) == "1")
        #expect(value(.userType) == "1")
        #expect(value(.isReal) == "1")
        #expect(value(.realType) == "IAMSMART")
        #expect(value(.idCardType) == "40")
        #expect(value(.creditableLevel) == "L2")
        #expect(value(.ageOver18) == "true")
        #expect(release[.nameMatches] == nil && release.withheld[.nameMatches] == .noClaim)

        // Transforms are recorded per attribute for the minimisation check.
        #expect(release.transformsByName["cn_hans"] == [.hantToHans])
        #expect(release.transformsByName["age_over_18"] == [.ageOver18])
        #expect(release.transformsByName["sex"] == [.gbt2261Sex])
        #expect(release.transformsByName[GuangdongAttribute.pairwiseID.rawValue] == [.pairwiseHMAC])

        // Never the birth date or the openID, in any attribute value.
        let allValues = release.samlAttributes.flatMap(\.values)
        #expect(!allValues.contains { $0.contains("1980") || $0.contains("0229") || $0.contains("open-id-123") })
    }

    @Test func pairwiseIdentifierIsKeyedAndPerRecipient() throws {
        let release = Self.mapper.map(Self.adult, recipientEntityID: Self.recipient, allowed: Self.everything, now: Self.now)
        var message = Data("open-id-123".utf8)
        message.append(0)
        message.append(contentsOf: Self.recipient.utf8)
        let mac = Data(HMAC<SHA256>.authenticationCode(for: message, using: Self.secret))

        #expect(release.nameID.value.count == 52)
        #expect(release.nameID.value == base32(mac))
        #expect(release.nameID.value.allSatisfy { $0.isLowercase || ("2"..."7").contains($0) })
        #expect(PairwiseIdentifier.nameIDFormat.hasSuffix(":persistent"))
        #expect(release[.pairwiseID]?.attribute.values == ["\(release.nameID.value)@bridge.example.hk"])
        #expect(release[.pairwiseID]?.attribute.nameFormat == SAMLAttribute.uriNameFormat)

        let other = Self.mapper.map(Self.adult, recipientEntityID: "https://other.gd.example/sp", allowed: [], now: Self.now)
        #expect(other.nameID.value != release.nameID.value, "recipients cannot link residents")
        let again = Self.mapper.map(Self.adult, recipientEntityID: Self.recipient, allowed: [], now: Self.now)
        #expect(again.nameID == release.nameID, "persistent: stable across sign-ins")
        // The separator keeps ("ab","c") and ("a","bc") apart.
        let a = PairwiseIdentifier(secret: Self.secret, openID: "ab", recipientEntityID: "c", scope: "s")
        let b = PairwiseIdentifier(secret: Self.secret, openID: "a", recipientEntityID: "bc", scope: "s")
        #expect(a.value != b.value)
    }

    @Test func onlyAllowedAttributesAreProduced() {
        let allowed: Set<String> = ["cn", "age_over_18", "not-a-real-attribute"]
        let release = Self.mapper.map(Self.adult, recipientEntityID: Self.recipient, allowed: allowed, now: Self.now)
        #expect(release.samlAttributes.map(\.name) == ["cn", "age_over_18"])
        #expect(release.unknownAllowedNames == ["not-a-real-attribute"])
    }

    @Test func hostileProfileWithoutChineseNameMinorAndOddGender() {
        // Turns 18 tomorrow (Hong Kong time).
        let minor = ResidentProfile(
            openID: "open-id-minor", chineseName: "   ", englishName: "LEE, Siu Ming",
            birthDate: CalendarDate(year: 2008, month: 11, day: 26), gender: "X", assurance: .plus, faceRecognitionUsed: true)
        let release = Self.mapper.map(minor, recipientEntityID: Self.recipient, allowed: Self.everything, now: Self.now)
        #expect(release[.chineseName] == nil)
        #expect(release.withheld[.chineseName] == .notInProfile)
        #expect(release[.chineseNameSimplified] == nil)
        #expect(release[.ageOver18]?.attribute.values == ["false"])
        #expect(release[.sex]?.attribute.values == ["0"], "a value outside the table is 'unknown', not guessed")
        #expect(release[.creditableLevel]?.attribute.values == ["L3"], "plus without a plus+fr entry falls back to plus")
        #expect(release[.englishName]?.attribute.values == ["LEE, Siu Ming"])
    }

    @Test func unverifiedChineseNameIsNotAssertedAsARealName() {
        var unverified = Self.adult
        unverified.chineseNameVerified = false
        let release = Self.mapper.map(unverified, recipientEntityID: Self.recipient, allowed: Self.everything, now: Self.now)
        #expect(release[.chineseName] == nil)
        #expect(release[.chineseNameSimplified] == nil)
        #expect(release.withheld[.chineseName] == .notVerified)
        #expect(release.withheld[.chineseNameSimplified] == .notVerified)
        #expect(release[.englishName]?.attribute.values == ["CHAN, Tai Man"], "other attributes are unaffected")
    }

    @Test func birthdayBoundariesInHongKongTime() throws {
        // 2026-11-25 00:30 in Hong Kong is still 2026-11-24 in UTC.
        let earlyMorning = Date(timeIntervalSince1970: 1_795_537_800)
        let profile = ResidentProfile(openID: "o", birthDate: CalendarDate(year: 2008, month: 11, day: 25))
        let release = Self.mapper.map(profile, recipientEntityID: Self.recipient, allowed: ["age_over_18"], now: earlyMorning)
        #expect(release[.ageOver18]?.attribute.values == ["true"], "18th birthday counts from midnight Hong Kong time")

        let leap = try #require(CalendarDate(year: 2008, month: 2, day: 29))
        #expect(leap.age(on: try #require(CalendarDate(year: 2026, month: 2, day: 28))) == 17)
        #expect(leap.age(on: try #require(CalendarDate(year: 2026, month: 3, day: 1))) == 18)
        #expect(CalendarDate(yyyymmdd: "20230230") == nil)
        #expect(CalendarDate(yyyymmdd: "2023013") == nil)
        #expect(CalendarDate(yyyymmdd: "２０２３０１０１") == nil)
    }

    @Test func missingDataIsWithheldNotInvented() {
        let sparse = ResidentProfile(openID: "o")
        let tables = MappingTables(
            pseudonymSecret: Self.secret, pairwiseScope: "s.example", realTypeCode: "", creditableLevels: [:])
        let release = AttributeMapper(tables: tables).map(sparse, recipientEntityID: Self.recipient, allowed: Self.everything, now: Self.now)
        #expect(release.withheld[.ageOver18] == .notInProfile)
        #expect(release.withheld[.realType] == .notConfigured)
        #expect(release.withheld[.creditableLevel] == .notConfigured)
        #expect(release.withheld[.idCardType] == .notConfigured)
        #expect(release[.sex]?.attribute.values == ["9"], "no gender given: not stated")
        #expect(release[.pairwiseID] != nil)
    }

    @Test func genderCodes() {
        #expect(AttributeMapper.gbt2261Code(forIAMSmartGender: "M") == "1")
        #expect(AttributeMapper.gbt2261Code(forIAMSmartGender: "f") == "2")
        #expect(AttributeMapper.gbt2261Code(forIAMSmartGender: "Female") == "2")
        #expect(AttributeMapper.gbt2261Code(forIAMSmartGender: nil) == "9")
        #expect(AttributeMapper.gbt2261Code(forIAMSmartGender: "<script>") == "0")
    }

    private func base32(_ data: Data) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var bits = data.map { String($0, radix: 2) }.map { String(repeating: "0", count: 8 - $0.count) + $0 }.joined()
        while bits.count % 5 != 0 { bits += "0" }
        var out = ""
        var index = bits.startIndex
        while index < bits.endIndex {
            let next = bits.index(index, offsetBy: 5)
            out.append(alphabet[Int(bits[index..<next], radix: 2) ?? 0])
            index = next
        }
        return out
    }
}
