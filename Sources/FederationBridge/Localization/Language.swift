import Foundation

/// The languages of the resident pages. Traditional Chinese is the default:
/// the residents are Hong Kong residents.
public enum Language: String, Sendable, Hashable, CaseIterable {
    case traditionalChinese = "zh-Hant"
    case simplifiedChinese = "zh-Hans"
    case english = "en"

    public static let `default`: Language = .traditionalChinese

    /// Name of the language in itself, for the switch.
    public var endonym: String {
        switch self {
        case .traditionalChinese: "繁體中文"
        case .simplifiedChinese: "简体中文"
        case .english: "English"
        }
    }

    /// The `lang` value iAM Smart expects for this language.
    public var iamSmartLang: String {
        switch self {
        case .traditionalChinese: "zh-HK"
        case .simplifiedChinese: "zh-CN"
        case .english: "en-US"
        }
    }

    /// Accepts our own codes and common BCP 47 tags (`zh-HK`, `zh-CN`,
    /// `en-GB`, …), case-insensitively.
    public init?(tag: String) {
        let parts = tag.trimmingCharacters(in: .whitespaces).lowercased().split(separator: "-").map(String.init)
        guard let primary = parts.first else { return nil }
        switch primary {
        case "en":
            self = .english
        case "zh", "yue", "cmn":
            let rest = Set(parts.dropFirst())
            if !rest.isDisjoint(with: ["hans", "cn", "sg", "my"]) {
                self = .simplifiedChinese
            } else {
                // zh, zh-Hant, zh-HK, zh-TW, zh-MO and yue default to Traditional.
                self = .traditionalChinese
            }
        default:
            return nil
        }
    }

    /// Picks the best language from an `Accept-Language` header by quality
    /// value, falling back to the default.
    public static func negotiate(acceptLanguage header: String?) -> Language {
        guard let header else { return .default }
        var best: (language: Language, quality: Double, position: Int)?
        for (position, item) in header.split(separator: ",").enumerated() {
            let fields = item.split(separator: ";")
            guard let tag = fields.first, let language = Language(tag: String(tag)) else { continue }
            var quality = 1.0
            for field in fields.dropFirst() {
                let pair = field.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix("q="), let value = Double(pair.dropFirst(2)) { quality = value }
            }
            guard quality > 0 else { continue }
            if best == nil || quality > (best?.quality ?? 0) {
                best = (language, quality, position)
            }
        }
        return best?.language ?? .default
    }
}
