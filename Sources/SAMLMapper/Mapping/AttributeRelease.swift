/// One attribute as it will be sent, with the transforms that produced it.
public struct ReleasedAttribute: Sendable, Hashable {
    public var name: GuangdongAttribute
    public var attribute: SAMLAttribute
    /// What was done to the source data, for the privacy minimisation check.
    public var transforms: [AttributeTransform]

    public init(name: GuangdongAttribute, values: [String], transforms: [AttributeTransform]) {
        self.name = name
        self.attribute = SAMLAttribute(
            name: name.rawValue, nameFormat: name.nameFormat, friendlyName: name.friendlyName, values: values)
        self.transforms = transforms
    }

    /// The same attribute written in `form` (a registered name the relying party requested).
    public func answering(as form: AttributeName) -> ReleasedAttribute {
        var renamed = self
        renamed.attribute.name = form.name
        renamed.attribute.nameFormat = form.nameFormat
        renamed.attribute.friendlyName = form.friendlyName
        return renamed
    }
}

/// Why an allowed attribute was not produced.
public enum WithheldReason: String, Sendable, Hashable, Codable {
    /// The profile lacks the data (no Chinese name, no birth date, …).
    case notInProfile = "not-in-profile"
    /// No configured code for it (e.g. the assurance level is missing from the table).
    case notConfigured = "not-configured"
    /// The relying party made no claim to compare.
    case noClaim = "no-claim"
    /// No Simplified-script conversion is available on this platform.
    case transformUnavailable = "transform-unavailable"
    /// iAM Smart marks the value as not verified, so it is not asserted as a real-name value.
    case notVerified = "not-verified"
}

/// Everything one relying party will receive about the resident.
public struct AttributeRelease: Sendable {
    /// Subject of the assertion (persistent format, SPNameQualifier = recipient).
    public var nameID: PairwiseIdentifier
    /// In a stable order (that of `GuangdongAttribute.allCases`), so the
    /// consent page and the assertion list them identically.
    public var attributes: [ReleasedAttribute]
    /// Allowed attributes that were not produced, and why.
    public var withheld: [GuangdongAttribute: WithheldReason]
    /// Names in the allowed set that this mapper does not know; the caller
    /// should treat them as a policy error.
    public var unknownAllowedNames: [String]

    public init(
        nameID: PairwiseIdentifier,
        attributes: [ReleasedAttribute],
        withheld: [GuangdongAttribute: WithheldReason],
        unknownAllowedNames: [String]
    ) {
        self.nameID = nameID
        self.attributes = attributes
        self.withheld = withheld
        self.unknownAllowedNames = unknownAllowedNames
    }

    /// The attributes for the `AttributeStatement`.
    public var samlAttributes: [SAMLAttribute] { attributes.map(\.attribute) }

    /// Transforms per released attribute name, for the privacy checks and the transfer log.
    public var transformsByName: [String: [AttributeTransform]] {
        Dictionary(uniqueKeysWithValues: attributes.map { ($0.name.rawValue, $0.transforms) })
    }

    public subscript(_ name: GuangdongAttribute) -> ReleasedAttribute? {
        attributes.first { $0.name == name }
    }
}
