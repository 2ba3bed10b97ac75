import Foundation
import PIAChecks
import SAMLMapper

/// Plain words for what the consent page shows: attribute values, the
/// retention period, cities, and the sentences about the cross-boundary
/// transfer and the resident's rights, in the page's language.
///
/// The SAML values themselves stay on the page behind a details element, so
/// the page still shows exactly what is sent.
public enum ConsentWording {
    /// The words for one attribute value; names pass through unchanged.
    public static func words(for attribute: GuangdongAttribute, value: String, in language: Language) -> String {
        let strings = PageStrings.table(for: language)
        func t(_ key: String) -> String? { strings[key] }
        switch attribute {
        case .chineseName, .chineseNameSimplified, .englishName:
            return value
        case .sex:
            return t("value.sex.\(value)") ?? value
        case .userType:
            return t("value.usertype.\(value)") ?? value
        case .isReal:
            return t("value.isreal.\(value)") ?? value
        case .realType:
            return t("value.realtype") ?? value
        case .idCardType:
            return t("value.idcardtype") ?? value
        case .creditableLevel:
            guard value.count == 2, value.hasPrefix("L"), let level = Int(value.dropFirst()) else { return value }
            return PageStrings.format("value.level", in: language, ["level": String(level)])
        case .ageOver18:
            return t("value.yesno.\(value)") ?? value
        case .nameMatches, .birthDateMatches:
            return t("value.matches.\(value)") ?? value
        case .pairwiseID:
            return t("value.pairwise") ?? value
        }
    }

    /// "3 years", "18 months" or "45 days": whole years or months when the
    /// number of days is one, else days.
    public static func retention(days: Int, in language: Language) -> String {
        if days % 365 == 0 {
            let years = days / 365
            return PageStrings.format(years == 1 ? "retention.year" : "retention.years", in: language, ["n": String(years)])
        }
        if days % 30 == 0 {
            let months = days / 30
            return PageStrings.format(months == 1 ? "retention.month" : "retention.months", in: language, ["n": String(months)])
        }
        return PageStrings.format(days == 1 ? "retention.day" : "retention.days", in: language, ["n": String(days)])
    }

    /// A Greater Bay Area city's name in `language`; other names unchanged.
    public static func city(_ name: String, in language: Language) -> String {
        let key = name.trimmingCharacters(in: .whitespaces).lowercased()
        guard let names = cityNames[key] else { return name }
        switch language {
        case .traditionalChinese: return names.hant
        case .simplifiedChinese: return names.hans
        case .english: return names.en
        }
    }

    /// The day a contract was filed, as the page's language writes dates.
    public static func day(_ date: Date, in language: Language) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let (year, month, day) = (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        switch language {
        case .traditionalChinese, .simplifiedChinese: return "\(year)年\(month)月\(day)日"
        case .english:
            let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
            return "\(day) \(months[max(0, min(11, month - 1))]) \(year)"
        }
    }

    /// Where the data goes, from whom, under which contract and filing.
    public static func crossBoundary(recipient: Recipient, in language: Language) -> String {
        PageStrings.format(
            "consent.cross_boundary", in: language,
            [
                "recipient": recipient.name(in: language.rawValue),
                "city": city(recipient.city, in: language),
                "filing": recipient.contractFilingReference,
                "filed": day(recipient.contractFiledOn, in: language),
            ])
    }

    private static let cityNames: [String: (hant: String, hans: String, en: String)] = [
        "hong kong": ("香港", "香港", "Hong Kong"),
        "guangzhou": ("廣州", "广州", "Guangzhou"),
        "shenzhen": ("深圳", "深圳", "Shenzhen"),
        "zhuhai": ("珠海", "珠海", "Zhuhai"),
        "foshan": ("佛山", "佛山", "Foshan"),
        "huizhou": ("惠州", "惠州", "Huizhou"),
        "dongguan": ("東莞", "东莞", "Dongguan"),
        "zhongshan": ("中山", "中山", "Zhongshan"),
        "jiangmen": ("江門", "江门", "Jiangmen"),
        "zhaoqing": ("肇慶", "肇庆", "Zhaoqing"),
    ]
}
