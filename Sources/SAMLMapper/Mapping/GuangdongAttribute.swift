/// The attributes the bridge can release, named in the Guangdong platform's
/// real-name account vocabulary so that its adapter maps names, not meaning.
///
/// `docs/attributes.md` documents each name, its NameFormat, value syntax and
/// the transforms behind it. The raw value is the SAML `Name`.
public enum GuangdongAttribute: String, Sendable, Hashable, Codable, CaseIterable {
    /// Chinese name as registered with iAM Smart (usually Traditional script).
    case chineseName = "cn"
    /// The Chinese name converted to Simplified script.
    case chineseNameSimplified = "cn_hans"
    /// English name as registered.
    case englishName = "en_name"
    /// GB/T 2261.1 sex code: 1 male, 2 female, 0 unknown, 9 not stated.
    case sex = "sex"
    /// Account holder type: always 1 (individual).
    case userType = "usertype"
    /// Real-name verified: always 1, iAM Smart registration reads the identity card.
    case isReal = "isreal"
    /// Source of real-name verification, the configured code for iAM Smart.
    case realType = "realtype"
    /// Identity document type code for the Hong Kong identity card (never its number).
    case idCardType = "idcardtype"
    /// Assurance of the account, `L0`…`L3`, from the configured table.
    case creditableLevel = "creditable_level_of_account"
    /// `true` or `false`: the resident is 18 or older today (Hong Kong time).
    case ageOver18 = "age_over_18"
    /// `true` or `false`: the name the relying party claimed matches.
    case nameMatches = "name_matches"
    /// `true` or `false`: the date of birth the relying party claimed matches.
    case birthDateMatches = "birthdate_matches"
    /// OASIS SAML V2.0 Subject Identifier `pairwise-id`: `<unique>@<scope>`.
    case pairwiseID = "urn:oasis:names:tc:SAML:attribute:pairwise-id"

    /// `uri` for the OASIS identifier, `basic` for the platform's short names
    /// (the first of `registeredNames`).
    public var nameFormat: String { registeredNames[0].nameFormat }

    /// Friendly name written next to URI-named attributes.
    public var friendlyName: String? { registeredNames[0].friendlyName }

    /// Whether the attribute carries personal data that reveals who the person is
    /// (as opposed to derived Booleans and constants).
    public var isIdentifying: Bool {
        switch self {
        case .chineseName, .chineseNameSimplified, .englishName, .pairwiseID: true
        default: false
        }
    }
}
