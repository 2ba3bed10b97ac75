import Foundation
import PIAChecks

/// What the pages need from the policy, flattened for display: recipients
/// with their Standard Contract, purposes with their descriptions and the
/// necessity of each allowed attribute, consent text digests.
///
/// The pages show the *current* policy next to logged entries; an entry whose
/// recipient or purpose has since left the policy says so.
struct ReviewPolicyContext: Sendable {
    struct RecipientInfo: Sendable {
        let legalEntity: String
        let city: String
        let contractReference: String
        let contractFiledOn: String
        let contact: String
        let retentionDays: Int
        let onwardTransferExcluded: Bool
    }

    struct PurposeInfo: Sendable {
        /// Language tag → description.
        let descriptions: [String: String]
        let legalBasis: String
        let requiredAssurance: String
        let maxRetentionDays: Int
        /// Allowed attribute name → why it is needed.
        let necessity: [String: String]

        /// English first, since reviewers may come from either side.
        var description: String { description(in: .english) }

        /// The page's language first, then English, then any the policy gives.
        func description(in language: Language) -> String {
            descriptions[language.rawValue] ?? descriptions["en"] ?? descriptions["zh-Hant"] ?? descriptions.values.sorted().first ?? ""
        }
    }

    let recipientIDs: [String]
    let purposeIDs: [String]
    private let recipients: [String: RecipientInfo]
    private let purposes: [String: PurposeInfo]
    private let consentTexts: [String: String]

    init(_ policy: Policy) {
        var recipients: [String: RecipientInfo] = [:]
        for recipient in policy.recipients {
            recipients[recipient.entityID] = RecipientInfo(
                legalEntity: recipient.legalEntity, city: recipient.city,
                contractReference: recipient.contractFilingReference,
                contractFiledOn: ReviewFormat.day(recipient.contractFiledOn), contact: recipient.contact,
                retentionDays: recipient.retentionDays, onwardTransferExcluded: recipient.onwardTransferExcluded)
        }
        var purposes: [String: PurposeInfo] = [:]
        for purpose in policy.purposes {
            var necessity: [String: String] = [:]
            for attribute in purpose.allowedAttributes { necessity[attribute.name] = attribute.necessity }
            purposes[purpose.id] = PurposeInfo(
                descriptions: purpose.descriptions, legalBasis: purpose.legalBasis,
                requiredAssurance: purpose.requiredAssurance.rawValue, maxRetentionDays: purpose.maxRetentionDays,
                necessity: necessity)
        }
        var consentTexts: [String: String] = [:]
        for version in policy.consentTextVersions { consentTexts[version.id] = version.sha256 }
        self.recipients = recipients
        self.purposes = purposes
        self.consentTexts = consentTexts
        self.recipientIDs = policy.recipients.map(\.entityID).sorted()
        self.purposeIDs = policy.purposes.map(\.id).sorted()
    }

    func recipient(_ entityID: String) -> RecipientInfo? { recipients[entityID] }
    func purpose(_ id: String) -> PurposeInfo? { purposes[id] }
    func consentTextDigest(_ version: String) -> String? { consentTexts[version] }
}
