import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import FederationBridge

/// Every reviewer page in Traditional Chinese, Simplified Chinese and
/// English: chosen by the switch, remembered in a cookie, or negotiated from
/// `Accept-Language`; the switch keeps the page and its filters.
@Suite struct ReviewLanguageTests {
    static let basic = "Basic " + Data("\(ReviewFixture.username):\(ReviewFixture.password)".utf8).base64EncodedString()

    static func get(_ client: any TestClientProtocol, _ uri: String, _ extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: basic]
        headers.append(contentsOf: extra)
        return try await client.execute(uri: uri, method: .get, headers: headers)
    }

    @Test func theThreeTablesHaveTheSameKeysAndPlaceholders() throws {
        let english = ReviewStrings.table(for: .english)
        let placeholder = try Regex("\\{[a-zA-Z]+\\}")
        for language in Language.allCases {
            let table = ReviewStrings.table(for: language)
            #expect(Set(table.keys) == Set(english.keys), "\(language)")
            for (key, text) in table {
                let names = Set(text.matches(of: placeholder).map { String(text[$0.range]) })
                let expected = Set((english[key] ?? "").matches(of: placeholder).map { String((english[key] ?? "")[$0.range]) })
                #expect(names == expected, "\(language) \(key)")
            }
        }
        // Each Chinese script is written for itself, not the same text twice.
        let traditional = ReviewStrings.table(for: .traditionalChinese)
        let simplified = ReviewStrings.table(for: .simplifiedChinese)
        for key in ["search.title", "nav.sign_out", "summary.signoff", "failure.data_declined", "footer"] {
            #expect(traditional[key] != simplified[key], "\(key)")
        }
        // Every string a template names exists.
        let templates = [
            ReviewLayout.layout, ReviewOverviewPage.template, ReviewSearchPage.template, ReviewEntryPage.template,
            ReviewSummaryPage.template, ReviewErrorPage.template, ReviewSignInPage.template,
        ].joined()
        let used = try Regex("\\{\\{\\{?t\\.([a-z_]+)")
        for match in templates.matches(of: used) {
            let name = String(templates[match.range]).replacingOccurrences(of: "{", with: "").dropFirst(2)
            #expect(english.keys.contains { $0.replacingOccurrences(of: ".", with: "_") == name }, "\(name)")
        }
    }

    @Test func everyPageSpeaksTheChosenLanguage() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 12))
        defer { fixture.remove() }
        let pages: [(path: String, english: String, traditional: String, simplified: String)] = [
            ("/review", "Transfer log overview", "傳送記錄概覽", "传输日志概览"),
            ("/review/entries?decision=refused", "Search the transfer log", "搜尋傳送記錄", "搜索传输日志"),
            ("/review/entries/3", "Released attributes", "已傳送的資料項目", "已传输的数据项"),
            ("/review/summary?purpose=\(ReviewFixture.account)", "Risks and mitigations", "風險及緩解措施", "风险与缓解措施"),
            ("/review/entries/999", "The transfer log has no entry 999.", "傳送記錄中沒有第 999 項。", "传输日志中没有第 999 条。"),
            ("/review/entries?flow=nope", "expected a flow reference", "應為流程參考編號", "应为流程参考编号"),
        ]
        try await fixture.withServer { client in
            for page in pages {
                for (language, heading) in [
                    (Language.english, page.english), (.traditionalChinese, page.traditional), (.simplifiedChinese, page.simplified),
                ] {
                    let separator = page.path.contains("?") ? "&" : "?"
                    let response = try await Self.get(client, page.path + separator + "lang=" + language.rawValue)
                    let html = response.text
                    #expect(html.contains("<html lang=\"\(language.rawValue)\">"), "\(page.path) \(language)")
                    #expect(html.contains(heading), "\(page.path) \(language): \(heading)")
                    #expect(html.contains("HKT (") || response.status != .ok, "\(page.path): Hong Kong time with UTC beside")
                    let cookie = response.headers[.setCookie] ?? ""
                    #expect(cookie.hasPrefix("fb_review_lang=\(language.rawValue)") && cookie.contains("Path=/review") && cookie.contains("HttpOnly"))
                    if language != .english {
                        #expect(!html.contains(page.english), "\(page.path) \(language) still has English")
                        #expect(!html.contains("Sign out") && !html.contains("Read-only view"), "\(page.path) \(language)")
                    }
                }
            }

            // The switch keeps the page and its filters, and names each language in itself.
            let search = try await Self.get(client, "/review/entries?decision=refused&recipient=\(ReviewFixture.zhuhai)&lang=en").text
            #expect(search.contains(#"href="/review/entries?decision=refused&amp;recipient="#))
            #expect(search.contains("&amp;lang=zh-Hant\" lang=\"zh-Hant\" hreflang=\"zh-Hant\" id=\"lang-zh-Hant\">繁體中文</a>"))
            #expect(search.contains(#"<span aria-current="true" lang="en">English</span>"#))

            // Remembered: the cookie wins over Accept-Language; without either, English for scripts.
            let remembered = try await Self.get(client, "/review", [.cookie: "fb_review_lang=zh-Hans", .acceptLanguage: "en"]).text
            #expect(remembered.contains("<html lang=\"zh-Hans\">"))
            let negotiated = try await Self.get(client, "/review", [.acceptLanguage: "zh-HK,zh;q=0.9,en;q=0.5"]).text
            #expect(negotiated.contains("<html lang=\"zh-Hant\">"))
            #expect(try await Self.get(client, "/review", [.acceptLanguage: "zh-CN"]).text.contains("<html lang=\"zh-Hans\">"))
            #expect(try await Self.get(client, "/review?lang=zh-HK").text.contains("<html lang=\"zh-Hant\">"), "BCP 47 tags too")
            #expect(try await Self.get(client, "/review").text.contains("<html lang=\"en\">"))
            // A hostile switch value is ignored, not echoed.
            let hostile = try await Self.get(client, "/review?lang=%22%3E%3Cscript%3E")
            #expect(hostile.status == .ok && !hostile.text.contains("<script>") && hostile.headers[.setCookie] == nil)

            // The sign-in page and its messages, in the language chosen.
            let signIn = try await client.execute(uri: "/review/sign-in?next=/review/entries&lang=zh-Hant", method: .get).text
            #expect(signIn.contains("<html lang=\"zh-Hant\">") && signIn.contains("審查人員名稱") && signIn.contains("密碼"))
            #expect(signIn.contains(#"href="/review/sign-in?next=%2Freview%2Fentries&amp;lang=zh-Hans""#), "the switch keeps next")
            let wrong = try await client.execute(
                uri: "/review/sign-in", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "fb_review_lang=zh-Hans"],
                body: ReviewSignInTests.form([("username", ReviewFixture.username), ("password", "nope"), ("next", "/review")]))
            #expect(wrong.status == .unauthorized && wrong.text.contains("审查人员名称或密码不正确。"))
        }
    }
}
