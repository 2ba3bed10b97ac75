import Foundation

/// What the service is about to send, described without any personal data.
///
/// The service fills it after mapping and consent, just before building the
/// assertion; the checks decide on it alone.
public struct TransferRequest: Sendable, Hashable, Codable {
    /// SAML entityID of the recipient the assertion is for.
    public var recipientEntityID: String
    /// Purpose the bridge is applying.
    public var purposeID: String
    /// Purpose the relying party asked for (from its request or registration).
    public var requestedPurposeID: String
    /// Attributes about to be released, by name, with the transforms applied.
    public var released: [ReleasedAttribute]
    /// Attribute names the relying party requested.
    public var requestedAttributes: Set<String>
    /// The person's separate consent, if given.
    public var consent: ConsentRecord?
    public var assurance: AssuranceLevel
    /// Age in whole years, computed by the service from the birth date it
    /// never forwards; `nil` when unknown.
    public var subjectAgeYears: Int?
    /// Whether the assertion will be encrypted to the recipient's key.
    public var encryptedToRecipient: Bool
    public var now: Date

    public init(
        recipientEntityID: String, purposeID: String, requestedPurposeID: String? = nil,
        released: [ReleasedAttribute], requestedAttributes: Set<String>, consent: ConsentRecord?,
        assurance: AssuranceLevel, subjectAgeYears: Int?, encryptedToRecipient: Bool, now: Date
    ) {
        self.recipientEntityID = recipientEntityID
        self.purposeID = purposeID
        self.requestedPurposeID = requestedPurposeID ?? purposeID
        self.released = released
        self.requestedAttributes = requestedAttributes
        self.consent = consent
        self.assurance = assurance
        self.subjectAgeYears = subjectAgeYears
        self.encryptedToRecipient = encryptedToRecipient
        self.now = now
    }

    /// Names of the released attributes.
    public var releasedNames: Set<String> { Set(released.map(\.name)) }
}

/// One released attribute: its name as sent and the transforms that made it.
public struct ReleasedAttribute: Sendable, Hashable, Codable {
    public var name: String
    public var transforms: [String]

    public init(name: String, transforms: [String] = []) {
        self.name = name
        self.transforms = transforms
    }
}

/// The person's separate consent (PIPL Art. 39) for one transfer.
public struct ConsentRecord: Sendable, Hashable, Codable {
    public var recipientEntityID: String
    public var purposeID: String
    public var attributes: Set<String>
    public var givenAt: Date
    /// Id of the consent text version shown.
    public var textVersion: String
    /// Hex SHA-256 of exactly what the consent page showed (language,
    /// recipient, purpose, legal basis, retention, each attribute and value).
    public var contentDigest: String

    public init(
        recipientEntityID: String, purposeID: String, attributes: Set<String>, givenAt: Date, textVersion: String,
        contentDigest: String = ""
    ) {
        self.recipientEntityID = recipientEntityID
        self.purposeID = purposeID
        self.attributes = attributes
        self.givenAt = givenAt
        self.textVersion = textVersion
        self.contentDigest = contentDigest
    }
}
