import Foundation
import IAMSmart

/// A synthetic resident the sandbox app page lets a tester sign in as.
///
/// Names say "SANDBOX" / 沙盒 so nobody mistakes them for real people; HKID
/// numbers use the `Z9…` range with check digits from the real algorithm, so
/// validation code sees well-formed numbers.
public struct SandboxResident: Sendable, Hashable, Identifiable {
    /// Stable handle used in forms and tests, for example `adult-plus`.
    public var id: String
    /// What the tester sees on the app page.
    public var label: String
    /// iAM Smart+ (holds a signing certificate).
    public var isPlus: Bool
    /// Profile and e-ME fields in iAM Smart's JSON shapes, by field name.
    public var profile: [String: JSONValue]

    public init(id: String, label: String, isPlus: Bool, profile: [String: JSONValue]) {
        self.id = id
        self.label = label
        self.isPlus = isPlus
        self.profile = profile
    }

    /// The five standard residents. The minor's birth date is computed from
    /// `today` so that the resident is 17 on any day the tests run.
    public static func standard(today: Date = Date()) -> [SandboxResident] {
        [
            SandboxResident(
                id: "adult-basic", label: "Adult on iAM Smart", isPlus: false,
                profile: profile(
                    hkid: "Z900001", prefix: "MR", english: "SANDBOX, Basic Adult", chinese: "沙盒基本",
                    chineseVerified: true, birthDate: "19850312", gender: "M", marital: "S",
                    mobile: ("852", "55500001"), email: "basic.adult@sandbox.invalid",
                    residential: structuredAddress, postal: nil, education: "Tertiary")),
            SandboxResident(
                id: "adult-plus", label: "Adult on iAM Smart+", isPlus: true,
                profile: profile(
                    hkid: "ZA900002", prefix: "MS", english: "SANDBOX, Plus Adult", chinese: "沙盒進階",
                    chineseVerified: true, birthDate: "19790101", gender: "F", marital: "M",
                    mobile: ("852", "55500002"), email: "plus.adult@sandbox.invalid",
                    residential: freeFormatAddress, postal: postBoxAddress, education: "Postgraduate")),
            SandboxResident(
                id: "minor-17", label: "17-year-old on iAM Smart", isPlus: false,
                profile: profile(
                    hkid: "Z900003", prefix: "MR", english: "SANDBOX, Minor Seventeen", chinese: "沙盒少年",
                    chineseVerified: true, birthDate: birthDate(yearsAgo: 17, andDays: 100, from: today),
                    gender: "M", marital: "S", mobile: ("852", "55500003"), email: nil,
                    residential: structuredAddress, postal: nil, education: "Secondary")),
            SandboxResident(
                id: "chname-unverified", label: "Adult with an unverified Chinese name", isPlus: false,
                profile: profile(
                    hkid: "Z900004", prefix: "MS", english: "SANDBOX, Unverified Name", chinese: "沙盒未核",
                    chineseVerified: false, birthDate: "19900630", gender: "F", marital: "S",
                    mobile: ("86", "13800000004"), email: "unverified.name@sandbox.invalid",
                    residential: freeFormatAddress, postal: nil, education: "Secondary")),
            SandboxResident(
                id: "no-chname", label: "Adult with no Chinese name", isPlus: false,
                profile: profile(
                    hkid: "Z900005", prefix: "MR", english: "SANDBOX, No Chinese Name", chinese: nil,
                    chineseVerified: nil, birthDate: "19700228", gender: "M", marital: "W",
                    mobile: ("44", "7700900005"), email: "no.chname@sandbox.invalid",
                    residential: structuredAddress, postal: postBoxAddress, education: "Tertiary")),
        ]
    }

    // MARK: Building profiles

    private static func profile(
        hkid: String, prefix: String, english: String, chinese: String?, chineseVerified: Bool?,
        birthDate: String, gender: String, marital: String, mobile: (String, String), email: String?,
        residential: JSONValue, postal: JSONValue?, education: String
    ) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "idNo": .object([
                "Identification": .string(hkid),
                "CheckDigit": .string(HKIDCheckDigit.compute(for: hkid) ?? "?"),
            ]),
            "prefix": .string(prefix),
            "enName": .object(["UnstructuredName": .string(english)]),
            "birthDate": .string(birthDate),
            "gender": .string(gender),
            "maritalStatus": .string(marital),
            "mobileNumber": .object(["CountryCode": .string(mobile.0), "SubscriberNumber": .string(mobile.1)]),
            "homeTelNumber": .object(["CountryCode": .string("852"), "SubscriberNumber": .string("2" + mobile.1.suffix(7))]),
            "residentialAddress": residential,
            "educationLevel": .string(education),
        ]
        if let chinese { fields["chName"] = .object(["ChineseName": .string(chinese)]) }
        if let chineseVerified { fields["chNameVerified"] = .string(chineseVerified ? "Y" : "N") }
        if let email { fields["emailAddress"] = .string(email) }
        if let postal { fields["postalAddress"] = postal }
        return fields
    }

    static let structuredAddress: JSONValue = .object([
        "ChiPremisesAddress": .object([
            "Region": .string("九龍"),
            "ChiDistrict": .object(["DcDistrict": .string("沙盒區")]),
            "ChiStreet": .object(["StreetName": .string("測試道"), "BuildingNoFrom": .string("1")]),
            "ChiEstate": .object(["EstateName": .string("示範邨")]),
            "BuildingName": .string("樣本樓"),
            "Chi3dAddress": .object([
                "ChiFloor": .object(["FloorNum": .string("12")]),
                "ChiUnit": .object(["UnitDescriptor": .string("室"), "UnitNo": .string("A")]),
            ]),
        ]),
        "EngPremisesAddress": .object([
            "Region": .string("KLN"),
            "EngDistrict": .object(["DcDistrict": .string("SANDBOX DISTRICT")]),
            "EngStreet": .object(["StreetName": .string("TEST ROAD"), "BuildingNoFrom": .string("1")]),
            "EngEstate": .object(["EstateName": .string("EXAMPLE ESTATE")]),
            "BuildingName": .string("SAMPLE HOUSE"),
            "EngBlock": .object(["BlockDescriptor": .string("BLOCK"), "BlockNo": .string("2")]),
            "Eng3dAddress": .object([
                "EngFloor": .object(["FloorNum": .string("12")]),
                "EngUnit": .object(["UnitDescriptor": .string("FLAT"), "UnitNo": .string("A")]),
            ]),
        ]),
    ])

    static let freeFormatAddress: JSONValue = .object([
        "FreeFormatAddress": .object([
            "AddressLine1": .string("FLAT 1, 1/F, SANDBOX MANSION"),
            "AddressLine2": .string("99 EXAMPLE STREET"),
            "AddressLine3": .string("TEST TOWN, NT"),
        ])
    ])

    static let postBoxAddress: JSONValue = .object([
        "PostBoxAddress": .object([
            "PoBoxNo": .string("9999"),
            "PostOffice": .string("SANDBOX POST OFFICE"),
            "PostOfficeRegion": .string("HK"),
        ])
    ])

    private static func birthDate(yearsAgo: Int, andDays: Int, from today: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Hong_Kong") ?? .gmt
        let shifted =
            calendar.date(byAdding: .year, value: -yearsAgo, to: today).flatMap {
                calendar.date(byAdding: .day, value: -andDays, to: $0)
            } ?? today
        let parts = calendar.dateComponents([.year, .month, .day], from: shifted)
        return String(format: "%04d%02d%02d", parts.year ?? 2000, parts.month ?? 1, parts.day ?? 1)
    }
}
