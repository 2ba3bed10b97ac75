import Foundation
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
