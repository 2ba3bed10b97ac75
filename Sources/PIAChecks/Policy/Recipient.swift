import Foundation

/// A relying party registered to receive personal information.
///
/// Every field here is something the GBA Standard Contract or PIPL Art. 39
/// requires the person to be told, or the bridge to know before transfer.
public struct Recipient: Sendable, Hashable, Codable {
    /// SAML entityID; the key the service looks recipients up by.
    public var entityID: String
    /// Legal entity name as filed with the Standard Contract.
    public var legalEntity: String
    /// City where the recipient processes the data; must be in the GBA.
    public var city: String
    /// Filing reference of the GBA Standard Contract.
    public var contractFilingReference: String
    /// Day the Standard Contract was filed (UTC midnight).
    public var contractFiledOn: Date
    /// Contact point for the person's rights (PIPL Art. 39).
    public var contact: String
    /// Days the recipient promised to keep the data.
    public var retentionDays: Int
    /// Whether the contract excludes onward transfer outside the GBA.
    public var onwardTransferExcluded: Bool
    /// Upper bound of transfers in any one hour, the hard volume limit.
    public var maxTransfersPerHour: Int
    /// The legal entity's name for residents, by page language (`zh-Hant`,
    /// `zh-Hans`, `en`); a language without one shows `legalEntity`.
    public var names: [String: String] = [:]

    public init(
        entityID: String, legalEntity: String, city: String,
        contractFilingReference: String, contractFiledOn: Date, contact: String,
        retentionDays: Int, onwardTransferExcluded: Bool, maxTransfersPerHour: Int
    ) {
        self.entityID = entityID
        self.legalEntity = legalEntity
        self.city = city
        self.contractFilingReference = contractFilingReference
        self.contractFiledOn = contractFiledOn
        self.contact = contact
        self.retentionDays = retentionDays
        self.onwardTransferExcluded = onwardTransferExcluded
        self.maxTransfersPerHour = maxTransfersPerHour
    }

    /// The name to show on a page in `language` (a BCP 47 code such as `zh-Hant`).
    public func name(in language: String) -> String {
        names[language] ?? legalEntity
    }
}

/// The cities covered by the GBA Standard Contract route.
public enum GreaterBayArea {
    /// Hong Kong plus the nine mainland GBA cities, in lower case.
    public static let cities: Set<String> = [
        "hong kong", "guangzhou", "shenzhen", "zhuhai", "foshan", "huizhou",
        "dongguan", "zhongshan", "jiangmen", "zhaoqing",
    ]

    public static func contains(city: String) -> Bool {
        cities.contains(city.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
