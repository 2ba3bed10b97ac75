import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PIAChecks
import Testing

@testable import FederationBridge

/// The sign-in page, the server session, sign-out and throttling; searching
/// by flow reference and subject; Hong Kong time; the printable summary.
@Suite struct ReviewSignInTests {
    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(string: ReviewQuery.encode(fields))
    }

    static func signIn(_ client: any TestClientProtocol, username: String = ReviewFixture.username, password: String = ReviewFixture.password)
        async throws -> TestResponse
    {
        try await client.execute(
            uri: "/review/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: form([("username", username), ("password", password), ("next", "/review/entries")]))
    }

    static func cookie(_ response: TestResponse) -> String? {
        response.headers[.setCookie]?.split(separator: ";").first.map(String.init)
    }

    @Test func aBrowserSignsInOnAPageAndSignsOut() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 4))
        defer { fixture.remove() }
        try await fixture.withServer { client in
            // A browser without a session is sent to the sign-in page, not a Basic dialog.
            let anonymous = try await client.execute(uri: "/review/entries?decision=refused", method: .get, headers: [.accept: "text/html"])
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/review/sign-in?next=%2Freview%2Fentries%3Fdecision%3Drefused")
            #expect(anonymous.headers[.wwwAuthenticate] == nil)
            let page = try await client.execute(uri: "/review/sign-in?next=/review/entries", method: .get).text
            #expect(page.contains(#"<label for="username">"#) && page.contains(#"type="password""#))
            #expect(!page.contains("Sign out") && !page.contains(ReviewFixture.guangzhou))

            let wrong = try await Self.signIn(client, password: "nope")
            #expect(wrong.status == .unauthorized && wrong.text.contains("name or password is wrong"))
            #expect(wrong.headers[.setCookie] == nil)

            let signedIn = try await Self.signIn(client)
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/review/entries")
            let setCookie = try #require(signedIn.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/review"))
            let cookie = try #require(Self.cookie(signedIn))
            let entries = try await client.execute(uri: "/review/entries", method: .get, headers: [.cookie: cookie])
            #expect(entries.status == .ok && entries.text.contains("signed in as dpo") && entries.text.contains(#"id="sign-out""#))

            let out = try await client.execute(uri: "/review/sign-out", method: .post, headers: [.cookie: cookie])
            #expect(out.status == .seeOther && out.headers[.setCookie]?.contains("Max-Age=0") == true)
            let after = try await client.execute(uri: "/review/entries", method: .get, headers: [.cookie: cookie])
            #expect(after.status == .unauthorized, "the session is gone on the server, not just in the browser")
            // The trail names the sign-in and the sign-out.
            let actions = try ReviewAuditLog.verifyChain(at: fixture.auditURL).map(\.action)
            #expect(actions.contains("sign-in") && actions.contains("sign-out"))
        }
    }

    @Test func nextCannotLeaveTheReviewerPages() {
        for hostile in ["https://evil.example/", "//evil.example/review", "/review/../admin", "/elsewhere", "/review\\@evil", "/review/ x"] {
            #expect(ReviewRoutes.safeNext(hostile, base: "/review") == "/review" || !hostile.hasPrefix("/review/"), "\(hostile)")
        }
        #expect(ReviewRoutes.safeNext("https://evil.example/", base: "/review") == "/review")
        #expect(ReviewRoutes.safeNext("//evil.example/x", base: "/review") == "/review")
        #expect(ReviewRoutes.safeNext("/review/entries?page=2", base: "/review") == "/review/entries?page=2")
    }

    /// Five wrong passwords lock the name: the right password then fails
    /// too, on the page and over Basic, until the lock ends.
    @Test func wrongPasswordsLockTheName() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 2), failureLimit: 5)
        defer { fixture.remove() }
        try await fixture.withServer { client in
            for attempt in 1...4 {
                #expect(try await Self.signIn(client, password: "guess-\(attempt)").status == .unauthorized)
            }
            let fifth = try await Self.signIn(client, password: "guess-5")
            #expect(fifth.status == .tooManyRequests && fifth.text.contains("Too many failed sign-ins"))
            #expect(fifth.text.contains("HKT"))
            #expect(Int(fifth.headers[.retryAfter] ?? "") ?? 0 > 0)
            let right = try await Self.signIn(client)
            #expect(right.status == .tooManyRequests && right.headers[.setCookie] == nil, "locked: even the right password")
            #expect(try await client.get("/review").status == .tooManyRequests, "Basic is throttled the same way")
            // Another reviewer is not locked out.
            #expect(try await client.get("/review", username: "auditor", password: "other-secret").status == .ok)
        }
    }

    @Test func searchByFlowReferenceAndSubjectDigest() async throws {
        var entries = ReviewFixture.standardEntries(count: 6)
        let flow = "fl-" + String(repeating: "a", count: 26)
        entries[4].assertionID = "_" + flow
        entries[5].subjectDigest = entries[1].subjectDigest
        let subject = entries[1].subjectDigest
        let fixture = try await ReviewFixture.make(entries: entries)
        defer { fixture.remove() }
        try await fixture.withServer { client in
            let byFlow = try await client.get("/review/entries?flow=\(flow)").text
            #expect(byFlow.contains("<b>1</b> entries match") && byFlow.contains(#"href="/review/entries/4""#), "\(byFlow.suffix(3000))")
            let bySubject = try await client.get("/review/entries?subject=\(subject.uppercased())").text
            #expect(bySubject.contains("<b>2</b> entries match"))
            #expect(bySubject.contains(#"href="/review/entries/1""#) && bySubject.contains(#"href="/review/entries/5""#))
            #expect(try await client.get("/review/entries?flow=fl-nope").status == .badRequest)
            #expect(try await client.get("/review/entries?subject=zz").status == .badRequest)
            #expect(try await client.get("/review/entries?subject=" + String(repeating: "0", count: 64)).text.contains("<b>0</b> entries match"))
        }
    }

    @Test func timesAreHongKongTimeWithUTCBeside() {
        let instant = Date(timeIntervalSince1970: 1_795_708_980)  // 2026-11-26 16:03:00 UTC
        #expect(ReviewFormat.readable(instant) == "2026-11-27 00:03:00 HKT (2026-11-26 16:03:00 UTC)")
    }

    @Test func theSummaryPrintsCleanlyWithRiskMitigationAndSignOff() async throws {
        let fixture = try await ReviewFixture.make()
        defer { fixture.remove() }
        try await fixture.withServer { client in
            let html = try await client.get("/review/summary?purpose=\(ReviewFixture.account)").text
            #expect(html.contains("<h2>Risks and mitigations</h2>") && html.contains("<h2>Sign-off</h2>"))
            #expect(html.contains("<code>consent.separate</code>") && html.contains("Approved with conditions"))
            #expect(html.contains(#"<form class="filters noprint""#))
            let css = ReviewLayout.css
            #expect(css.contains("@media print{header,form,form.filters,.actions,.noprint{display:none!important}"))
            #expect(css.contains("svg.chart{width:100%;height:auto}"))
            #expect(
                !css.contains("th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}"))
        }
    }
}
