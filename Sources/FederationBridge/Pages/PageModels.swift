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
    /// The SAML values verbatim, shown under the technical details.
    public var values: [String]
    /// The values in words of the page's language.
    public var shown: [String]

    public init(label: String, name: String, values: [String], shown: [String]? = nil) {
        self.label = label
        self.name = name
        self.values = values
        self.shown = shown ?? values
    }

    /// Rows for the released attributes, labelled and worded in `language`;
    /// the SAML values stay beside the words so the page and the assertion cannot differ.
    public static func rows(for release: AttributeRelease, in language: Language) -> [DisplayedAttribute] {
        release.attributes.map { attribute in
            DisplayedAttribute(
                label: PageStrings.label(for: attribute.name, in: language),
                name: attribute.attribute.name, values: attribute.attribute.values,
                shown: attribute.attribute.values.map { ConsentWording.words(for: attribute.name, value: $0, in: language) })
        }
    }
}

/// The pages the resident can see.
public enum ResidentPage: Sendable {
    case start(recipientName: String, purpose: String, continueURL: String)
    case handoff(appURL: String, qrPageURL: String)
    /// Waiting for the data approval in iAM Smart; reloads every `refreshSeconds`.
    case approval(approvalURL: String, csrfToken: String, refreshSeconds: Int)
    case consent(ConsentPage)
    case result(ResultPage)
    case error(ErrorPage)
    /// SAML HTTP-POST binding form to `action` (the ACS from metadata).
    case samlPost(action: String, fields: [(name: String, value: String)])
    /// The way back to the relying party after the flow ended: what happened,
    /// then the SAML form, submitted by script or by the visible button.
    case returning(ReturnPage)
    /// "What have I shared?": sign in with iAM Smart, then every transfer about the resident.
    case myShares(MySharesPage)
}

/// `/my`: before sign-in only `signInURL`; after it, each recipient with
/// the transfer log entries about the resident.
public struct MySharesPage: Sendable {
    public struct Entry: Sendable {
        public var sequence: Int
        public var time: String
        public var purpose: String
        public var attributes: [String]
        public var decision: String
        /// `sent`, `refused`, `declined` or `withdrawn`, for styling and tests.
        public var decisionCode: String
        public var proofURL: String

        public init(sequence: Int, time: String, purpose: String, attributes: [String], decision: String, decisionCode: String, proofURL: String) {
            self.sequence = sequence
            self.time = time
            self.purpose = purpose
            self.attributes = attributes
            self.decision = decision
            self.decisionCode = decisionCode
            self.proofURL = proofURL
        }
    }

    public struct RecipientShares: Sendable {
        public var entityID: String
        public var name: String
        public var contact: String
        /// The keyed digest the log files this resident under for this recipient.
        public var subjectDigest: String
        public var entries: [Entry]
        /// Offered while the newest entry is a transfer (not yet withdrawn).
        public var canWithdraw: Bool

        public init(entityID: String, name: String, contact: String, subjectDigest: String, entries: [Entry], canWithdraw: Bool) {
            self.entityID = entityID
            self.name = name
            self.contact = contact
            self.subjectDigest = subjectDigest
            self.entries = entries
            self.canWithdraw = canWithdraw
        }
    }

    public var signInURL: String?
    public var recipients: [RecipientShares]
    public var csrfToken: String
    /// Shown once after a withdrawal was recorded.
    public var notice: String?
    /// The log's verifier key, for checking proofs independently.
    public var verifierKey: String

    public init(signInURL: String?, recipients: [RecipientShares] = [], csrfToken: String = "", notice: String? = nil, verifierKey: String = "") {
        self.signInURL = signInURL
        self.recipients = recipients
        self.csrfToken = csrfToken
        self.notice = notice
        self.verifierKey = verifierKey
    }
}

/// The last page of a flow: it says what happened ("sent to X", "you
/// declined", what went wrong) and carries the SAML answer back. It has no
/// language links: the flow has ended, so reloading it in another language
/// would only show an expired sign-in.
public struct ReturnPage: Sendable {
    public var action: String
    public var fields: [(name: String, value: String)]
    public var heading: String
    public var lead: String
    /// The error reference when the flow failed; the resident quotes it.
    public var reference: String?

    public init(action: String, fields: [(name: String, value: String)], heading: String, lead: String, reference: String? = nil) {
        self.action = action
        self.fields = fields
        self.heading = heading
        self.lead = lead
        self.reference = reference
    }
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
    /// From Hong Kong to the Mainland: to whom, under which contract and filing.
    public var crossBoundary: String
    /// Who runs the bridge.
    public var operatorStatement: String
    /// The operator's privacy statement; empty shows no link.
    public var statementURL: String
    /// Access, correction, withdrawal, complaints.
    public var rights: [String]
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
        language: String = "", shownDigest: String = "",
        crossBoundary: String = "", operatorStatement: String = "", statementURL: String = "", rights: [String] = []
    ) {
        self.crossBoundary = crossBoundary
        self.operatorStatement = operatorStatement
        self.statementURL = statementURL
        self.rights = rights
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
    case dataDeclined = "data_declined"
    case approvalExpired = "approval_expired"
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
