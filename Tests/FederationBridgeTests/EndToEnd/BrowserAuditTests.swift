import Foundation
import Testing

@testable import FederationBridge

/// Every resident page and every reviewer page in Traditional Chinese,
/// Simplified Chinese and English, at 1280 px and 390 px in headless
/// Chromium: a screenshot of each (kept as an artifact) and an accessibility
/// check (`Tests/browser/a11y_check.js`: language attributes, labels and
/// names, contrast, visible focus, headings, reflow) whose violations fail
/// the test.
@Suite(.serialized) struct BrowserAuditTests {
    static let widths = [1280, 390]

    /// Pages as the resident meets them; the return page is checked with
    /// script off (as a browser without script shows it: script would submit it at once).
    static let residentPages: [(name: String, path: String)] = [
        ("start", "/preview/start"), ("handoff", "/preview/handoff"), ("approval", "/preview/approval"),
        ("consent", "/preview/consent"), ("return", "/preview/return"), ("error", "/preview/error/session_expired"),
        ("not-found", "/no-such-page"), ("my", "/my"),
    ]

    /// The reviewer pages, among them a search that finds a failure kept
    /// outside the log (`reference`) and the error page.
    static func reviewerPages(purpose: String, reference: String) -> [(name: String, path: String)] {
        [
            ("review-overview", "/review"), ("review-search", "/review/entries?decision=transfer"), ("review-entry", "/review/entries/0"),
            ("review-failure", "/review/entries?reference=\(reference)"), ("review-summary", "/review/summary?purpose=\(purpose)"),
            ("review-summary-choose", "/review/summary"), ("review-error", "/review/entries/999999"),
        ]
    }

    @Test(.enabled(if: ExternalToolTests.tool("chromium") != nil && ExternalToolTests.tool("python3") != nil, "scripts/test.sh installs chromium"))
    func everyPageAtBothWidthsInEveryLanguagePassesTheAccessibilityCheck() async throws {
        let artifacts = ReviewScreenshotTests.artifactsDirectory.appendingPathComponent("pages", isDirectory: true)
        try? FileManager.default.removeItem(at: artifacts)
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)

        try await FederationHarness.run(allPages: true) { harness in
            // Something for the resident to find on "What have I shared?".
            let run = try await harness.signIn(as: "adult-basic", binding: .post)
            #expect(run.outcome?.isSuccess == true)
            // And for a reviewer, a failure that never reached the log.
            let unknown = try await harness.relyingParty.authnRequestURL(
                binding: .post, overrides: .init(issuer: "https://unknown.example/sp"))
            let refused = try await harness.browser.request(try harness.url(unknown.url))
            let reference = try #require(refused.text(id: "reference"))
            let base = harness.bridgeURL
            var steps: [[String: Any]] = []
            var shots: [(file: URL, width: Int)] = []
            func check(_ name: String, _ url: String, width: Int, scripts: Bool = true) {
                let file = artifacts.appendingPathComponent("\(name)-\(width).png")
                if !scripts { steps.append(["scripts": false]) }
                steps += [["goto": url], ["audit": "\(name) at \(width) px"], ["screenshot": file.path]]
                if !scripts { steps.append(["scripts": true]) }
                shots.append((file, width))
            }
            // Signed out: the resident's sign-in view and the reviewers' sign-in page.
            for width in Self.widths {
                steps.append(["viewport": [width, 900]])
                for language in Language.allCases {
                    check("my-signed-out-\(language.rawValue)", base + "/my?lang=\(language.rawValue)", width: width)
                }
                for language in Language.allCases {
                    check("review-sign-in-\(language.rawValue)", base + "/review/sign-in?lang=\(language.rawValue)", width: width)
                }
            }
            // Sign in: the resident with iAM Smart (sandbox), the reviewer on the sign-in page.
            steps += [
                ["viewport": [1280, 900]],
                ["goto": base + "/my"], ["click": "#my-sign-in"], ["click": "#open-app"], ["click": "form button[value=approve]"],
                ["waitSelector": "section.recipient"],
                ["goto": base + "/review/sign-in"], ["fill": "#username", "value": "reviewer"], ["fill": "#password", "value": "reviewer-demo"],
                ["click": "#sign-in"], ["waitSelector": "#sign-out"],
            ]
            for width in Self.widths {
                steps.append(["viewport": [width, 900]])
                for language in Language.allCases {
                    for page in Self.residentPages {
                        check(
                            "\(page.name)-\(language.rawValue)", base + page.path + "?lang=\(language.rawValue)", width: width,
                            scripts: page.name != "return")
                    }
                }
                for language in Language.allCases {
                    for page in Self.reviewerPages(purpose: harness.federation.purposeID, reference: reference) {
                        let separator = page.path.contains("?") ? "&" : "?"
                        check("\(page.name)-\(language.rawValue)", base + page.path + separator + "lang=\(language.rawValue)", width: width)
                    }
                }
            }
            // The failure search really shows the kept failure, in each language's words.
            for (language, words) in [
                (Language.english, "not in the partner metadata"), (.traditionalChinese, "不在合作方元數據內"), (.simplifiedChinese, "不在合作方元数据中"),
            ] {
                steps += [["goto": base + "/review/entries?reference=\(reference)&lang=\(language.rawValue)"], ["waitText": words]]
            }
            let result = try await ExternalToolTests.clickThrough(steps)
            #expect(result.status == 0, "click_through.py: \(result.output.suffix(4000))")
            let audits = result.output.split(separator: "\n").filter { $0.contains("\"audit\"") }
            #expect(audits.count == shots.count, "every page was checked")
            #expect(audits.allSatisfy { $0.contains("\"violations\": []") })
            for (file, width) in shots {
                let data = try Data(contentsOf: file)
                #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(file.lastPathComponent) is a PNG")
                let pixels = data.count >= 24 ? data[16..<20].reduce(0) { $0 << 8 | Int($1) } : 0
                #expect(pixels == width, "\(file.lastPathComponent) is \(pixels) px wide")
            }
            // The resident saw their transfer on /my, signed in with iAM Smart.
            #expect(result.output.contains("section.recipient"))
        }
    }

    /// The checker fails a page that breaks each rule it knows.
    @Test(.enabled(if: ExternalToolTests.tool("chromium") != nil && ExternalToolTests.tool("python3") != nil, "scripts/test.sh installs chromium"))
    func theCheckerFindsViolations() async throws {
        let bad = """
            <!DOCTYPE html><html><head><title>x</title><style>a:focus{outline:none}.pale{color:#bbb}</style></head><body>
            <h1>One</h1><h3>Skipped</h3><input name="q"><a href="#x"></a><p class="pale">pale text</p>
            <a href="#y">link</a><div style="width:900px">wide</div><img src="data:,"></body></html>
            """
        let url = "data:text/html;charset=utf-8," + (bad.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        let steps: [[String: Any]] = [["viewport": [390, 800]], ["goto": url], ["audit": "bad page"]]
        let result = try await ExternalToolTests.clickThrough(steps)
        #expect(result.status != 0)
        for rule in ["html-lang", "viewport", "label", "name", "contrast", "focus-visible", "heading-order", "landmark", "image-alt", "reflow"] {
            #expect(result.output.contains("\"rule\": \"\(rule)\""), "\(rule) not reported: \(result.output.prefix(2000))")
        }
    }
}
