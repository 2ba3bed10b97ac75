/// A named transformation applied to personal data before release.
///
/// The privacy checks compare these names with the transforms a purpose
/// requires, so the raw values are stable identifiers: do not rename them.
public enum AttributeTransform: String, Sendable, Hashable, Codable, CaseIterable {
    /// Value copied from the iAM Smart profile without change.
    case verbatim = "verbatim"
    /// Keyed pairwise pseudonym instead of the iAM Smart openID.
    case pairwiseHMAC = "pairwise-hmac"
    /// Boolean "aged 18 or over" derived from the birth date.
    case ageOver18 = "age-over-18"
    /// Traditional Chinese script converted to Simplified script.
    case hantToHans = "hant-to-hans"
    /// Gender recoded to GB/T 2261.1.
    case gbt2261Sex = "gbt2261-sex"
    /// Assurance level recoded through the configured level table.
    case assuranceLevelTable = "assurance-level-table"
    /// Constant taken from configuration (e.g. `realtype`).
    case configuredConstant = "configured-constant"
    /// A claimed value compared with the profile; only the Boolean result leaves.
    case claimMatch = "claim-match"
}
