@preconcurrency import Crypto
import Foundation
import PIAChecks
import SAMLMapper

/// Exactly what the consent page shows, in one language: the page is
/// rendered from it and its digest is what the consent record binds, so the
/// transfer log proves what the resident saw when they agreed.
struct ConsentContent: Codable, Sendable, Hashable {
    struct Row: Codable, Sendable, Hashable {
        var label: String
        var name: String
        /// The SAML values, exactly as sent.
        var values: [String]
        /// The same values in words of the page's language.
        var shown: [String]
    }

    var language: String
    var recipientName: String
    var recipientCity: String
    var recipientContact: String
    var purpose: String
    var legalBasis: String
    var retention: String
    var rows: [Row]
    /// Sentences about what is held back (e.g. an unverified name).
    var notices: [String]
    /// From Hong Kong to the Mainland: to whom, where, under which contract and filing.
    var crossBoundary: String
    /// Who runs the bridge.
    var operatorStatement: String
    var statementURL: String
    /// Access, correction, withdrawal, complaints and the laws that require telling them.
    var rights: [String]
    var textVersion: String

    /// Hex SHA-256 of the content as JSON with sorted keys.
    var digest: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = (try? encoder.encode(self)) ?? Data()
        return SHA256.hash(data: bytes).hex
    }

    /// The content for `recipient` and `purpose` in `language`: values in
    /// words beside the SAML values, the cross-boundary statement, who runs
    /// the bridge and the resident's rights.
    init(
        language: Language, recipient: Recipient?, recipientFallback: String, purpose: Purpose?, purposeFallback: String,
        attributes: [(name: GuangdongAttribute, attribute: SAMLAttribute)], notices: [String], textVersion: String,
        privacy: BridgeConfiguration.Privacy, operatorFallback: String
    ) {
        func say(_ key: String, _ values: [String: String] = [:]) -> String { PageStrings.format(key, in: language, values) }
        self.language = language.rawValue
        recipientName = recipient?.name(in: language.rawValue) ?? recipientFallback
        recipientCity = recipient.map { ConsentWording.city($0.city, in: language) } ?? ""
        recipientContact = recipient?.contact ?? ""
        self.purpose = purpose?.descriptions[language.rawValue] ?? purposeFallback
        legalBasis = Self.legalBasisText(purpose?.legalBasis ?? "", language: language)
        retention = recipient.map { ConsentWording.retention(days: $0.retentionDays, in: language) } ?? ""
        rows = attributes.map { item in
            Row(
                label: PageStrings.label(for: item.name, in: language), name: item.attribute.name, values: item.attribute.values,
                shown: item.attribute.values.map { ConsentWording.words(for: item.name, value: $0, in: language) })
        }
        self.notices = notices
        self.textVersion = textVersion
        crossBoundary = recipient.map { ConsentWording.crossBoundary(recipient: $0, in: language) } ?? ""
        operatorStatement = say("consent.operator", ["operator": privacy.operatorName(in: language.rawValue) ?? operatorFallback])
        statementURL = privacy.statementURL?.absoluteString ?? ""
        var rights = [say("consent.rights")]
        if let contact = recipient?.contact { rights.append(say("consent.rights_access", ["contact": contact])) }
        if let contact = privacy.contact { rights.append(say("consent.rights_operator", ["contact": contact])) }
        rights += [say("consent.rights_withdraw"), say("consent.rights_complain"), say("consent.rights_law")]
        self.rights = rights
    }

    static func legalBasisText(_ basis: String, language: Language) -> String {
        guard basis == "consent" else { return basis }
        switch language {
        case .traditionalChinese: return "你的單獨同意（《個人信息保護法》第 39 條）"
        case .simplifiedChinese: return "你的单独同意（《个人信息保护法》第三十九条）"
        case .english: return "Your separate consent (Personal Information Protection Law, Article 39)"
        }
    }

    /// The page model of this content.
    func page(action: String, csrfToken: String, reference: String) -> ConsentPage {
        ConsentPage(
            recipient: RecipientDisplay(name: recipientName, city: recipientCity, contact: recipientContact),
            purpose: purpose, legalBasis: legalBasis, retention: retention,
            attributes: rows.map { DisplayedAttribute(label: $0.label, name: $0.name, values: $0.values, shown: $0.shown) },
            notices: notices, action: action, csrfToken: csrfToken, reference: reference, language: language, shownDigest: digest,
            crossBoundary: crossBoundary, operatorStatement: operatorStatement, statementURL: statementURL, rights: rights)
    }
}
