/// What the bridge learned about the resident from iAM Smart, in a neutral
/// shape that does not depend on the iAM Smart client's wire types.
///
/// The flow fills it from the iAM Smart profile response; the mapper turns it
/// into the attributes one relying party receives. Every field except the
/// openID is optional because the resident (or the purpose) may not release it.
public struct ResidentProfile: Sendable, Hashable, Codable {
    /// The per-service pseudonymous identifier iAM Smart gave this bridge.
    /// Never released as is: it only feeds the pairwise identifier.
    public var openID: String
    /// Chinese name as registered (`chName.ChineseName`), usually Traditional script.
    public var chineseName: String?
    /// Whether iAM Smart marks the Chinese name as verified (`chNameVerified`).
    public var chineseNameVerified: Bool
    /// English name as registered (`enName.UnstructuredName`), e.g. `CHAN, Tai Man`.
    public var englishName: String?
    /// Date of birth; only ever used to derive claims, never released.
    public var birthDate: CalendarDate?
    /// Gender exactly as iAM Smart sent it (`M`, `F`, …); the mapper owns the code table.
    public var gender: String?
    /// Account assurance as the iAM Smart client derived it.
    public var assurance: AssuranceLevel
    /// Whether face recognition was used during this sign-in.
    public var faceRecognitionUsed: Bool

    public init(
        openID: String,
        chineseName: String? = nil,
        chineseNameVerified: Bool = false,
        englishName: String? = nil,
        birthDate: CalendarDate? = nil,
        gender: String? = nil,
        assurance: AssuranceLevel = .basic,
        faceRecognitionUsed: Bool = false
    ) {
        self.openID = openID
        self.chineseName = chineseName
        self.chineseNameVerified = chineseNameVerified
        self.englishName = englishName
        self.birthDate = birthDate
        self.gender = gender
        self.assurance = assurance
        self.faceRecognitionUsed = faceRecognitionUsed
    }
}

/// iAM Smart account assurance: `basic` is an "iAM Smart" account (identity
/// card read and face match at registration), `plus` an "iAM Smart+" account
/// (adds a recognised digital certificate).
public enum AssuranceLevel: String, Sendable, Hashable, Codable, CaseIterable {
    case basic
    case plus
}
