import Crypto
import Foundation
import Hummingbird
import Mustache
import SAMLMapper

/// Renders resident pages to HTML and to responses with strict headers.
public struct PageRenderer: Sendable {
    private let library: MustacheLibrary
    /// CSP source for the one inline style element.
    private let styleHash: String
    /// CSP source for the one inline script: submitting the return form.
    private let scriptHash: String

    static let templates: [(name: String, source: String)] = [
        ("layout", PageTemplates.layout), ("start", PageTemplates.start), ("handoff", PageTemplates.handoff),
        ("consent", PageTemplates.consent), ("approval", PageTemplates.approval), ("result", PageTemplates.result),
        ("error", PageTemplates.error), ("samlPost", PageTemplates.samlPost), ("myShares", PageTemplates.myShares),
    ]

    /// Each template is registered once per language, with that language's
    /// strings and the style sheet already in its text: a render then looks
    /// up and escapes only the values of the request.
    public init() throws {
        _ = HTMLEscaping.registered
        var library = MustacheLibrary()
        for language in Language.allCases {
            let strings = PageStrings.mustacheKeyed(PageStrings.table(for: language))
            for template in Self.templates {
                try library.register(
                    Self.specialized(template.source, strings: strings, language: language), named: Self.name(template.name, language))
            }
        }
        self.library = library
        let digest = SHA256.hash(data: Data(PageTemplates.css.utf8))
        self.styleHash = "'sha256-\(Data(digest).base64EncodedString())'"
        self.scriptHash = "'sha256-\(Data(SHA256.hash(data: Data(PageTemplates.autoSubmit.utf8))).base64EncodedString())'"
    }

    static func name(_ template: String, _ language: Language) -> String { "\(template)-\(language.rawValue)" }

    /// The template with `{{t.key}}` replaced by the escaped string, the
    /// layout named for the language, the style sheet written in, and the
    /// byte-level escaping selected.
    static func specialized(_ source: String, strings: [String: String], language: Language) -> String {
        var text = HTMLEscaping.pragma
        var rest = source[...]
        while let open = rest.range(of: "{{t.") {
            text += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            text += HTMLEscaping.escape(strings[String(rest[open.upperBound..<close.lowerBound])] ?? "")
            rest = rest[close.upperBound...]
        }
        text += rest
        let layout = name("layout", language)
        return text.replacingOccurrences(of: "{{<layout}}", with: "{{<\(layout)}}").replacingOccurrences(of: "{{/layout}}", with: "{{/\(layout)}}")
            .replacingOccurrences(of: "{{{css}}}", with: PageTemplates.css)
    }

    /// - Parameter path: the current path, for the language switch links.
    public func html(_ page: ResidentPage, language: Language, path: String = "") -> String {
        let strings = PageStrings.table(for: language)
        func t(_ key: String) -> String { strings[key] ?? key }
        var context: [String: Any] = [
            "lang": language.rawValue,
            "showLanguages": true,
            "languages": Language.allCases.map { candidate -> [String: Any] in
                [
                    "code": candidate.rawValue, "name": candidate.endonym, "current": candidate == language,
                    "href": "\(path)?lang=\(candidate.rawValue)",
                ]
            },
        ]
        let template: String
        switch page {
        case .start(let recipientName, let purpose, let continueURL):
            template = "start"
            context["title"] = t("start.title")
            context["recipientName"] = recipientName
            context["purpose"] = purpose
            context["continueURL"] = continueURL
        case .handoff(let appURL, let qrPageURL):
            template = "handoff"
            context["title"] = t("handoff.title")
            context["appURL"] = appURL
            context["qrPageURL"] = qrPageURL
        case .approval(let approvalURL, let csrfToken, let refreshSeconds):
            template = "approval"
            context["title"] = t("approval.title")
            context["approvalURL"] = approvalURL
            context["csrf"] = csrfToken
            context["refreshSeconds"] = refreshSeconds
        case .consent(let consent):
            template = "consent"
            context["title"] = t("consent.title")
            context["recipient"] = ["name": consent.recipient.name, "city": consent.recipient.city, "contact": consent.recipient.contact]
            context["purpose"] = consent.purpose
            context["legalBasis"] = consent.legalBasis
            context["retention"] = consent.retention
            context["attributes"] = consent.attributes.map {
                ["label": $0.label, "name": $0.name, "values": $0.values, "words": $0.shown] as [String: Any]
            }
            // Empty texts are left out, so their sections do not render.
            for (key, text) in [
                ("crossBoundary", consent.crossBoundary), ("operatorStatement", consent.operatorStatement), ("statementURL", consent.statementURL),
            ] where !text.isEmpty {
                context[key] = text
            }
            context["rights"] = consent.rights
            context["action"] = consent.action
            context["csrf"] = consent.csrfToken
            context["notices"] = consent.notices
            context["formLanguage"] = consent.language
            context["shown"] = consent.shownDigest
            context["reference"] = consent.reference
        case .result(let result):
            template = "result"
            let key = result.outcome == .sent ? "sent" : "declined"
            context["title"] = t("result.\(key).title")
            context["heading"] = t("result.\(key).title")
            context["lead"] = t("result.\(key).lead")
            if let name = result.recipientName { context["recipientName"] = name }
            if let url = result.returnURL { context["returnURL"] = url }
        case .error(let error):
            template = "error"
            context["title"] = t("error.title")
            context["what"] = t("error.\(error.kind.rawValue).what")
            context["todo"] = t("error.\(error.kind.rawValue).todo")
            context["reference"] = error.reference
        case .samlPost(let action, let fields):
            template = "samlPost"
            context["title"] = t("post.title")
            context["action"] = action
            // The SAMLResponse is ~15 KB of base64: escaped in one scan here
            // rather than character by character by the template engine.
            context["fields"] = Self.escapedFields(fields)

        case .myShares(let page):
            template = "myShares"
            context["title"] = t("my.title")
            if let url = page.signInURL { context["signInURL"] = url }
            context["signedIn"] = page.signInURL == nil
            context["recipients"] = page.recipients.map { recipient -> [String: Any] in
                [
                    "entityID": recipient.entityID, "name": recipient.name, "contact": recipient.contact,
                    "subjectDigest": recipient.subjectDigest, "canWithdraw": recipient.canWithdraw,
                    "entries": recipient.entries.map { entry -> [String: Any] in
                        [
                            "sequence": entry.sequence, "time": entry.time, "purpose": entry.purpose, "attributes": entry.attributes,
                            "decision": entry.decision, "decisionCode": entry.decisionCode, "proofURL": entry.proofURL,
                        ]
                    },
                ]
            }
            context["nothing"] = page.signInURL == nil && page.recipients.isEmpty
            context["csrf"] = page.csrfToken
            if let notice = page.notice { context["notice"] = notice }
            context["verifierKey"] = page.verifierKey
        case .returning(let page):
            template = "samlPost"
            context["title"] = page.heading
            context["heading"] = page.heading
            context["lead"] = page.lead
            context["action"] = page.action
            context["fields"] = Self.escapedFields(page.fields)
            context["script"] = PageTemplates.autoSubmit
            context["showLanguages"] = false
            if let reference = page.reference { context["reference"] = reference }
        }
        return library.render(context, withTemplate: Self.name(template, language)) ?? ""
    }

    /// Hidden form fields: the SAMLResponse is ~15 KB of base64, escaped in
    /// one scan here rather than character by character by the template engine.
    static func escapedFields(_ fields: [(name: String, value: String)]) -> [[String: String]] {
        fields.map { ["name": $0.name, "escapedValue": XMLBuilder.escapeAttribute($0.value)] }
    }

    /// A complete response: no caching (pages can hold personal data), a CSP
    /// that allows only the inline style and forms to this origin, a SAML
    /// POST form's action, and `extraFormTargets` (a form whose answer
    /// redirects to the relying party needs its origin: browsers apply
    /// `form-action` to the redirect too), and `Content-Language`.
    public func response(
        _ page: ResidentPage, language: Language, path: String = "", status: HTTPResponse.Status = .ok, extraFormTargets: [String] = []
    ) -> Response {
        let body = html(page, language: language, path: path)
        var targets = extraFormTargets
        if case .samlPost(let action, _) = page { targets.append(action) }
        if case .returning(let returning) = page { targets.append(returning.action) }
        var formTargets = "'self'"
        for origin in Set(targets.compactMap(Self.origin(of:))).sorted() {
            formTargets += " \(origin)"
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentLanguage] = language.rawValue
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src \(styleHash); script-src \(scriptHash); img-src 'self'; form-action \(formTargets); frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        if let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy") { headers[referrerPolicy] = "no-referrer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return nil }
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)"
    }
}
