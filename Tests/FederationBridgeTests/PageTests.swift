import Crypto
import Foundation
import Mustache
import PIAChecks
import SAMLMapper
import Testing

@testable import FederationBridge

@Suite struct PageTests {
    let renderer: PageRenderer

    init() throws { renderer = try PageRenderer() }

    static func consent(name: String = "陳大文") -> ConsentPage {
        ConsentPage(
            recipient: RecipientDisplay(name: "<b>Recipient</b> & Co", city: "广州", contact: "privacy@gd.example"),
            purpose: "Open an account", legalBasis: "Consent", retention: "5 years",
            attributes: [
                DisplayedAttribute(label: "Chinese name", name: "cn", values: [name]),
                DisplayedAttribute(label: "Aged 18 or over", name: "age_over_18", values: ["true"]),
            ],
            csrfToken: "tok\"en", reference: "fl-abc")
    }

    @Test func byteEscapingMatchesTheTemplateEnginesOwn() throws {
        _ = HTMLEscaping.registered
        for text in ["", "plain", "<a href=\"x\">&'</a>", "陳大文 <b>", "a&&b", "'\"<>&", "é\u{0}🙂>"] {
            let engine = try MustacheTemplate(string: "{{v}}").render(["v": text])
            let bytes = try MustacheTemplate(string: HTMLEscaping.pragma + "{{v}}").render(["v": text])
            #expect(bytes == engine)
        }
    }

    @Test func eachLanguagesTemplatesHoldItsStringsAlready() {
        for language in Language.allCases {
            let strings = PageStrings.mustacheKeyed(PageStrings.table(for: language))
            for template in PageRenderer.templates {
                let text = PageRenderer.specialized(template.source, strings: strings, language: language)
                #expect(!text.contains("{{t.") && !text.contains("{{{css}}}") && !text.contains("{{<layout}}"))
                #expect(text.hasPrefix(HTMLEscaping.pragma))
            }
            let page = renderer.html(.error(ErrorPage(kind: .internal, reference: "req-1")), language: language)
            #expect(page.contains(HTMLEscaping.escape(PageStrings.table(for: language)["site.name"] ?? "?")))
        }
    }

    @Test func formatFillsEachPlaceholderOnce() {
        let template = PageStrings.table(for: .english)["consent.cross_boundary"] ?? ""
        #expect(template.contains("{recipient}") && template.contains("{city}"))
        // A value holding a placeholder is not filled again.
        let text = PageStrings.format("consent.cross_boundary", in: .english, ["recipient": "{city}", "city": "Guangzhou"])
        #expect(text.contains("{city}"))
        #expect(text.contains("Guangzhou"))
        #expect(PageStrings.format("no.such.key {a} {b", in: .english, ["a": "1"]) == "no.such.key 1 {b")
        #expect(PageStrings.format("{a}{a}}{", in: .english, ["a": "x"]) == "xx}{")
    }

    @Test func everyLanguageHasEveryText() {
        let keys = Set(PageStrings.table(for: .traditionalChinese).keys)
        for language in Language.allCases {
            #expect(Set(PageStrings.table(for: language).keys) == keys, "\(language)")
        }
        for attribute in GuangdongAttribute.allCases {
            #expect(keys.contains("attr.\(attribute.rawValue)"), "label for \(attribute.rawValue)")
        }
        for kind in ResidentErrorKind.allCases {
            #expect(keys.contains("error.\(kind.rawValue).what") && keys.contains("error.\(kind.rawValue).todo"))
        }
    }

    @Test func consentPageShowsEverythingEscapedAndBothButtonsEqual() {
        let html = renderer.html(.consent(Self.consent(name: "<script>alert(1)</script>")), language: .english)
        #expect(!html.contains("<script"), "no script at all, and values are escaped")
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;b&gt;Recipient&lt;/b&gt; &amp; Co"))
        #expect(html.contains("广州") && html.contains("privacy@gd.example"))
        #expect(html.contains("Open an account") && html.contains("Consent") && html.contains("5 years"))
        #expect(html.contains("<code>age_over_18</code>") && html.contains(">true</code>"))
        #expect(html.contains("name=\"csrf\" value=\"tok&quot;en\""))
        #expect(html.contains("<button type=\"submit\" name=\"decision\" value=\"agree\">Agree and send</button>"))
        #expect(html.contains("<button type=\"submit\" name=\"decision\" value=\"decline\">Decline</button>"))
        #expect(html.contains("fl-abc"))
        #expect(html.contains("<html lang=\"en\">"))
        #expect(!html.contains("http://") && !html.contains("https://"), "no external resources")
    }

    @Test func errorPageSaysWhatAndWhatToDoWithReference() {
        let html = renderer.html(.error(ErrorPage(kind: .sessionExpired, reference: "fl-xyz")), language: .simplifiedChinese)
        #expect(html.contains("本次登录已超时或已完成。"))
        #expect(html.contains("请返回接收方的网站，重新开始登录。"))
        #expect(html.contains("fl-xyz"))
        #expect(html.contains("<html lang=\"zh-Hans\">"))
    }

    @Test func responseHeadersAreStrict() {
        let response = renderer.response(.result(ResultPage(outcome: .declined)), language: .traditionalChinese)
        let csp = response.headers[.contentSecurityPolicy] ?? ""
        #expect(csp.contains("default-src 'none'"))
        #expect(csp.contains("style-src 'sha256-"))
        #expect(!csp.contains("unsafe-inline"))
        #expect(csp.contains("form-action 'self'"))
        #expect(response.headers[.cacheControl] == "no-store")
        #expect(response.headers[.contentLanguage] == "zh-Hant")

        let post = renderer.response(.samlPost(action: "https://sp.gd.example:8443/acs", fields: [("SAMLResponse", "PHg+")]), language: .english)
        #expect(post.headers[.contentSecurityPolicy]?.contains("form-action 'self' https://sp.gd.example:8443") == true)
        let html = renderer.html(.samlPost(action: "https://sp.gd.example:8443/acs", fields: [("SAMLResponse", "PHg+")]), language: .english)
        #expect(html.contains("<input type=\"hidden\" name=\"SAMLResponse\" value=\"PHg+\">"))
        #expect(html.contains("<button type=\"submit\" class=\"primary\">Continue</button>"))
        // A RelayState is the relying party's text: it stays inside its attribute.
        let hostile = renderer.html(
            .samlPost(action: "https://sp.gd.example:8443/acs", fields: [("RelayState", "x\"><script>alert(1)</script>&amp;")]), language: .english)
        #expect(hostile.contains("value=\"x&quot;>&lt;script>alert(1)&lt;/script>&amp;amp;\""))
        #expect(!hostile.contains("<script>"))
    }

    @Test(arguments: [
        ("zh-HK,zh;q=0.9,en;q=0.8", Language.traditionalChinese),
        ("zh-CN,zh;q=0.9", .simplifiedChinese),
        ("zh-Hans-CN", .simplifiedChinese),
        ("en-GB,en;q=0.9", .english),
        ("fr-FR, en;q=0.5, zh-TW;q=0.7", .traditionalChinese),
        ("de, fr", .traditionalChinese),
        ("en;q=0, zh-CN;q=0.1", .simplifiedChinese),
        ("", .traditionalChinese),
    ])
    func acceptLanguageNegotiation(header: String, expected: Language) {
        #expect(Language.negotiate(acceptLanguage: header) == expected)
    }
}

/// The consent page in plain words, the return page and error pages, in all three languages.
@Suite struct PlainWordsPageTests {
    let renderer: PageRenderer

    init() throws { renderer = try PageRenderer() }

    static let recipient: Recipient = {
        var recipient = Recipient(
            entityID: "https://sp.gd.example/saml", legalEntity: "广东省示例局", city: "Guangzhou",
            contractFilingReference: "GBA-SC-2026-0042", contractFiledOn: Date(timeIntervalSince1970: 1_768_435_200),
            contact: "privacy@gd.example", retentionDays: 1095, onwardTransferExcluded: true, maxTransfersPerHour: 10)
        recipient.names = ["zh-Hant": "廣東省示例局", "en": "Guangdong Example Bureau"]
        return recipient
    }()

    static let privacy = BridgeConfiguration.Privacy(
        operatorNames: ["zh-Hant": "示例營運者", "zh-Hans": "示例营运者", "en": "Example Operator Ltd"],
        statementURL: URL(string: "https://bridge.example.hk/privacy"), contact: "dpo@bridge.example.hk")

    static let attributes: [(name: GuangdongAttribute, attribute: SAMLAttribute)] = [
        (.chineseName, ["陳大文"]), (.sex, ["1"]), (.userType, ["1"]), (.isReal, ["1"]), (.realType, ["IAMSMART"]),
        (.idCardType, ["40"]), (.creditableLevel, ["L2"]), (.ageOver18, ["true"]), (.nameMatches, ["false"]),
        (.pairwiseID, ["abc123@bridge.example.hk"]),
    ].map { name, values in
        (name, SAMLAttribute(name: name.rawValue, nameFormat: name.nameFormat, friendlyName: name.friendlyName, values: values))
    }

    static func content(_ language: Language, recipient: Recipient? = recipient) -> ConsentContent {
        ConsentContent(
            language: language, recipient: recipient, recipientFallback: "https://sp.gd.example/saml", purpose: nil,
            purposeFallback: "gd-account", attributes: attributes, notices: [], textVersion: "v1", privacy: privacy,
            operatorFallback: "bridge.example.hk")
    }

    func consentHTML(_ language: Language) -> String {
        renderer.html(.consent(Self.content(language).page(action: "/consent", csrfToken: "t", reference: "fl-x")), language: language)
    }

    /// The words a resident reads, before the technical details.
    func visible(_ html: String) -> String {
        guard let range = html.range(of: "<details") else { return html }
        return String(html[..<range.lowerBound])
    }

    @Test(arguments: [
        (Language.traditionalChinese, ["男", "個人", "已由「智方便」核實", "3 年", "第 2 級", "是", "不相符", "廣州", "廣東省示例局"]),
        (.simplifiedChinese, ["男", "个人", "已由“智方便”核实", "3 年", "第 2 级", "是", "不相符", "广州", "广东省示例局"]),
        (
            .english,
            [
                "Male", "Individual", "Verified by iAM Smart", "3 years", "Level 2 of 3", "Yes", "Does not match", "Guangzhou",
                "Guangdong Example Bureau",
            ]
        ),
    ])
    func valuesAreWordsInThePageLanguage(language: Language, words: [String]) {
        let html = consentHTML(language)
        let shown = visible(html)
        for word in words { #expect(shown.contains(word), "\(language): \(word)") }
        // Codes and technical names only behind the details element.
        for code in ["urn:oasis", "IAMSMART", ">L2<", "Up to 1095", "abc123@"] {
            #expect(!shown.contains(code), "\(language) shows \(code) outside the details")
        }
        let details = html[(html.range(of: "<details")?.lowerBound ?? html.endIndex)...]
        #expect(details.contains("<code>urn:oasis:names:tc:SAML:attribute:pairwise-id</code>"))
        #expect(details.contains("<code class=\"value\">1</code>") && details.contains("<code class=\"value\">L2</code>"))
        #expect(html.contains("<html lang=\"\(language.rawValue)\">"))
    }

    @Test(arguments: Language.allCases)
    func consentSaysWhereWhoAndWhatRights(language: Language) {
        let html = consentHTML(language)
        let crossBoundary = ConsentWording.crossBoundary(recipient: Self.recipient, in: language)
        #expect(html.contains(crossBoundary))
        #expect(crossBoundary.contains("GBA-SC-2026-0042"))
        #expect(crossBoundary.contains(language == .english ? "from Hong Kong to the Mainland" : "香港"))
        #expect(html.contains(Self.privacy.operatorName(in: language.rawValue) ?? "-"))
        #expect(html.contains("href=\"https://bridge.example.hk/privacy\""))
        #expect(html.contains("privacy@gd.example") && html.contains("dpo@bridge.example.hk"))
        let law = PageStrings.table(for: language)["consent.rights_law"] ?? "-"
        #expect(html.contains(law))
        #expect(law.contains("39") || law.contains("三十九"))
        for key in ["consent.rights_withdraw", "consent.rights_complain"] {
            #expect(html.contains(PageStrings.table(for: language)[key] ?? "-"), "\(key)")
        }
    }

    @Test func recipientWithoutNamesFallsBackToItsLegalEntity() {
        var recipient = Self.recipient
        recipient.names = [:]
        #expect(Self.content(.english, recipient: recipient).recipientName == "广东省示例局")
        #expect(Self.content(.english).recipientName == "Guangdong Example Bureau")
        #expect(Self.content(.simplifiedChinese).recipientName == "广东省示例局", "no zh-Hans name: the legal entity")
    }

    @Test func theDigestBindsTheWordsShown() {
        let english = Self.content(.english)
        var edited = english
        edited.rows[1].shown = ["Female"]
        #expect(english.digest != edited.digest)
        #expect(english.digest != Self.content(.traditionalChinese).digest)
    }

    @Test(arguments: [
        (1095, Language.english, "3 years"), (365, .english, "1 year"), (180, .english, "6 months"), (45, .english, "45 days"),
        (1, .english, "1 day"), (1095, .traditionalChinese, "3 年"), (90, .simplifiedChinese, "3 个月"), (10, .traditionalChinese, "10 日"),
    ])
    func retentionInWords(days: Int, language: Language, expected: String) {
        #expect(ConsentWording.retention(days: days, in: language) == expected)
    }

    @Test func unknownCodesStayAsTheyAre() {
        #expect(ConsentWording.words(for: .sex, value: "7", in: .english) == "7")
        #expect(ConsentWording.words(for: .creditableLevel, value: "high", in: .english) == "high")
        #expect(ConsentWording.city("Macau", in: .english) == "Macau")
    }

    @Test(arguments: Language.allCases)
    func returnPageContinuesByItselfAndCannotBreakTheFlow(language: Language) {
        let page = ResidentPage.returning(
            ReturnPage(
                action: "https://sp.gd.example/acs", fields: [("SAMLResponse", "PHg+"), ("RelayState", "r\"1")],
                heading: DeliveryNotice.sent(recipient: "Guangdong Example Bureau").texts(language).heading, lead: "lead"))
        let html = renderer.html(page, language: language, path: "/consent")
        #expect(html.contains("Guangdong Example Bureau"))
        #expect(!html.contains("?lang="), "no language links: they would end the sign-in")
        #expect(html.contains("<form method=\"post\" action=\"https://sp.gd.example/acs\" id=\"return\">"))
        #expect(html.contains("<button type=\"submit\" class=\"primary\">"), "a visible button without script")
        #expect(html.contains("<script>\(PageTemplates.autoSubmit)</script>"))
        #expect(html.contains("value=\"r&quot;1\""))
        let csp = renderer.response(page, language: language).headers[.contentSecurityPolicy] ?? ""
        let hash = Data(SHA256.hash(data: Data(PageTemplates.autoSubmit.utf8))).base64EncodedString()
        #expect(csp.contains("script-src 'sha256-\(hash)'"))
        #expect(csp.contains("form-action 'self' https://sp.gd.example"))
        #expect(!csp.contains("unsafe-inline"))
    }

    @Test func sentToNamesTheRecipientInEachLanguage() {
        #expect(DeliveryNotice.sent(recipient: "X").texts(.english).heading == "Sent to X")
        #expect(DeliveryNotice.sent(recipient: "X").texts(.traditionalChinese).heading == "已傳送給X")
        #expect(DeliveryNotice.sent(recipient: "X").texts(.simplifiedChinese).heading == "已传送给X")
    }

    @Test func aFailureSaysWhatHappenedOnlyOnce() {
        for language in Language.allCases {
            let lead = DeliveryNotice.failed(.sessionExpired).texts(language).lead
            let todo = PageStrings.table(for: language)["error.session_expired.todo"] ?? "-"
            #expect(!lead.contains(todo), "the return page's Continue is the one thing to do")
        }
    }

    @Test(arguments: Language.allCases)
    func otherPagesKeepTheLanguageSwitch(language: Language) {
        let html = renderer.html(.error(ErrorPage(kind: .internal, reference: "req-1")), language: language, path: "/x")
        #expect(html.contains("href=\"/x?lang=en\"") || language == .english)
        #expect(html.components(separatedBy: "req-1").count == 2, "the reference once")
        #expect(!html.contains("<script"))
    }
}
