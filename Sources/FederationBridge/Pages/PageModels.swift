import SAMLMapper

/// Who receives the data, as the consent page shows it.
public struct RecipientDisplay: Sendable, Hashable {
    public var name: String
    public var city: String
    public var contact: String

    public init(name: String, city: String, contact: String) {
        self.name = name
        self.city = city
        self.contact = contact
    }
}

/// One row of the consent table: the attribute exactly as it will be sent.
public struct DisplayedAttribute: Sendable, Hashable {
    public var label: String
    public var name: String
    public var values: [String]

    public init(label: String, name: String, values: [String]) {
        self.label = label
        self.name = name
        self.values = values
    }

    /// Rows for the released attributes, labelled in `language`; values are
    /// the SAML values verbatim so the page and the assertion cannot differ.
    public static func rows(for release: AttributeRelease, in language: Language) -> [DisplayedAttribute] {
        release.attributes.map {
            DisplayedAttribute(
                label: PageStrings.label(for: $0.name, in: language),
                name: $0.attribute.name, values: $0.attribute.values)
        }
    }
}

/// The pages the resident can see.
public enum ResidentPage: Sendable {
    case start(recipientName: String, purpose: String, continueURL: String)
    case handoff(appURL: String, qrPageURL: String)
    case consent(ConsentPage)
    case result(ResultPage)
    case error(ErrorPage)
    /// SAML HTTP-POST binding form to `action` (the ACS from metadata).
    case samlPost(action: String, fields: [(name: String, value: String)])
}

public struct ConsentPage: Sendable {
    public var recipient: RecipientDisplay
    /// Texts from the policy, already in the page's language.
    public var purpose: String
    public var legalBasis: String
    public var retention: String
    public var attributes: [DisplayedAttribute]
    /// What is held back and why, in the page's language.
    public var notices: [String]
    /// Where the form posts (`/consent`).
    public var action: String
    public var csrfToken: String
    /// The flow reference (not personal data).
    public var reference: String
    /// Posted back with the answer, so the bridge knows which rendering it answers.
    public var language: String
    /// Digest of exactly what this page shows; the consent record binds it.
    public var shownDigest: String

    public init(
        recipient: RecipientDisplay, purpose: String, legalBasis: String, retention: String,
        attributes: [DisplayedAttribute], notices: [String] = [], action: String = "/consent", csrfToken: String, reference: String,
        language: String = "", shownDigest: String = ""
    ) {
        self.recipient = recipient
        self.purpose = purpose
        self.legalBasis = legalBasis
        self.retention = retention
        self.attributes = attributes
        self.notices = notices
        self.action = action
        self.csrfToken = csrfToken
        self.reference = reference
        self.language = language
        self.shownDigest = shownDigest
    }
}

public struct ResultPage: Sendable {
    public enum Outcome: Sendable { case sent, declined }
    public var outcome: Outcome
    public var recipientName: String?
    public var returnURL: String?

    public init(outcome: Outcome, recipientName: String? = nil, returnURL: String? = nil) {
        self.outcome = outcome
        self.recipientName = recipientName
        self.returnURL = returnURL
    }
}

/// What went wrong, in terms the resident can act on. Each kind has a
/// "what happened" and a "what to do" text in every language.
public enum ResidentErrorKind: String, Sendable, CaseIterable {
    case sessionExpired = "session_expired"
    case invalidRequest = "invalid_request"
    case unknownPartner = "unknown_partner"
    case formExpired = "form_expired"
    case iamSmartFailed = "iamsmart_failed"
    case refused = "refused"
    case underAge = "under_age"
    case assuranceNotMet = "assurance_not_met"
    case notFound = "not_found"
    case `internal` = "internal"
}

public struct ErrorPage: Sendable {
    public var kind: ResidentErrorKind
    /// Flow reference or request ID: enough for support, nothing personal.
    public var reference: String

    public init(kind: ResidentErrorKind, reference: String) {
        self.kind = kind
        self.reference = reference
    }
}
