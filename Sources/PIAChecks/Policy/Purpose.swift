/// A registered processing purpose and the data it may justify.
public struct Purpose: Sendable, Hashable, Codable {
    public var id: String
    /// Description keyed by language tag: `zh-Hant`, `zh-Hans`, `en`.
    public var descriptions: [String: String]
    public var allowedAttributes: [AllowedAttribute]
    public var requiredAssurance: AssuranceLevel
    /// Youngest age in whole years the purpose serves; `nil` means no limit.
    public var minimumAge: Int?
    public var encryptionRequired: Bool
    public var maxRetentionDays: Int
    /// Sensitive attributes (ID numbers, biometrics) this purpose may send.
    public var sensitiveAttributes: Set<String>
    /// Legal basis for the transfer, e.g. `consent` (PIPL Art. 13(1), 39).
    public var legalBasis: String

    public init(
        id: String, descriptions: [String: String], allowedAttributes: [AllowedAttribute],
        requiredAssurance: AssuranceLevel, minimumAge: Int?, encryptionRequired: Bool,
        maxRetentionDays: Int, sensitiveAttributes: Set<String>, legalBasis: String
    ) {
        self.id = id
        self.descriptions = descriptions
        self.allowedAttributes = allowedAttributes
        self.requiredAssurance = requiredAssurance
        self.minimumAge = minimumAge
        self.encryptionRequired = encryptionRequired
        self.maxRetentionDays = maxRetentionDays
        self.sensitiveAttributes = sensitiveAttributes
        self.legalBasis = legalBasis
    }

    /// The allowed attribute with this released name, if any.
    public func allowedAttribute(named name: String) -> AllowedAttribute? {
        allowedAttributes.first { $0.name == name }
    }
}

/// One attribute a purpose may release, with why it is needed.
public struct AllowedAttribute: Sendable, Hashable, Codable {
    /// Name as released to the recipient (after transforms).
    public var name: String
    /// Why the purpose cannot do without it (PDPO DPP1, shown to reviewers).
    public var necessity: String
    /// Transforms that must have been applied before release, e.g. `age-over-18`.
    public var requiredTransforms: [String]

    public init(name: String, necessity: String, requiredTransforms: [String] = []) {
        self.name = name
        self.necessity = necessity
        self.requiredTransforms = requiredTransforms
    }
}

/// A version of the consent text shown to the person, pinned by its digest.
public struct ConsentTextVersion: Sendable, Hashable, Codable {
    public var id: String
    /// Lower-case hex SHA-256 of the exact text shown.
    public var sha256: String

    public init(id: String, sha256: String) {
        self.id = id
        self.sha256 = sha256
    }
}

/// Parameters of the volume anomaly check.
public struct VolumePolicy: Sendable, Hashable, Codable {
    /// Number of whole hours before the current one that form the baseline.
    public var windowHours: Int
    /// The current hour may be at most this many times the baseline mean.
    public var anomalyFactor: Double
    /// Below this many transfers in an hour the anomaly rule never fires,
    /// so a quiet recipient's first busy hour is not refused.
    public var minimumBaseline: Int

    public init(windowHours: Int = 24, anomalyFactor: Double = 5, minimumBaseline: Int = 20) {
        self.windowHours = windowHours
        self.anomalyFactor = anomalyFactor
        self.minimumBaseline = minimumBaseline
    }
}
