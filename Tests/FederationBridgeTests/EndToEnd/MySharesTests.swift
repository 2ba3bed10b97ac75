import Foundation
import PIAChecks
import Testing

@testable import FederationBridge

/// "What have I shared?" over real HTTP: sign-in with the sandbox iAM
/// Smart, the resident's own entries found by subject digest, proofs,
/// withdrawal, and the recipient's notification export; and `/metrics`.
@Suite(.serialized) struct MySharesTests {
    static let reviewer = "Basic " + Data("reviewer:reviewer-demo".utf8).base64EncodedString()

    /// Signs in on `/my` as `resident` through the sandbox app; the page after.
    static func signInOnMy(_ harness: FederationHarness, as resident: String) async throws -> TestBrowser.Page {
        let browser = harness.browser
        let start = try await browser.open(try harness.url(harness.bridgeURL + "/my?lang=en"))
        #expect(start.link(id: "my-sign-in") != nil)
        let handoff = try await browser.request(try #require(start.link(id: "my-sign-in")))
        let location = try #require(handoff.headers.first(name: "Location"))
        #expect(location.contains("scope=eidapi_auth&") && location.contains("lang=en-US"), "sign-in only, in the page's language")
        let qr = try await browser.open(try harness.url(location))
        let app = try await browser.open(try #require(qr.link(id: "open-app")))
        let form = try #require(app.forms.first { $0.fields.contains { $0.name == "resident" && $0.value == resident } })
        return try await browser.submit(form, button: "approve")
    }

    @Test func residentsSeeTheirTransfersWithProofsAndCanWithdraw() async throws {
        try await FederationHarness.run(allPages: true) { harness in
            let sent = try await harness.signIn(as: "adult-basic", binding: .post)
            let declined = try await harness.signIn(as: "adult-basic", binding: .post, decision: .decline)
            _ = try await harness.signIn(as: "adult-plus", binding: .post)
            let flowID = try #require(sent.flowID)
            let entries = try await harness.flow.transferLog.entries(filter: LogFilter())
            try #require(entries.count == 3)

            let page = try await Self.signInOnMy(harness, as: "adult-basic")
            #expect(page.url.path == "/my" && page.status == 200, "\(page.status) \(page.body.prefix(300))")
            let mine = entries.filter { $0.entry?.subjectDigest == entries[0].entry?.subjectDigest }
            #expect(mine.count == 2)
            #expect(page.body.contains(try #require(entries[0].entry?.subjectDigest)), "the resident's own digest, for access requests")
            #expect(!page.body.contains(try #require(entries[2].entry?.subjectDigest)), "not another resident's")
            #expect(page.body.contains("Guangdong Government Service and Data Administration (sandbox)"))
            #expect(page.body.contains(">Sent<") && page.body.contains("Not sent: you declined"))
            #expect(page.body.contains("Chinese name") && page.body.contains("Aged 18 or over"))
            #expect(page.body.contains("bridge log check-proof --public-key"))

            // The proof of an own entry verifies with the log's public key; another's is not given.
            let proofPage = try await harness.browser.request(try harness.url(harness.bridgeURL + "/my/proof/0"))
            #expect(proofPage.status == 200 && proofPage.headers.first(name: "Content-Disposition")?.contains("attachment") == true)
            let bundle = try JSONDecoder().decode(InclusionProofBundle.self, from: Data(proofPage.body.utf8))
            _ = try bundle.verify(with: harness.flow.transferLog.verifier)
            #expect(try await harness.browser.request(try harness.url(harness.bridgeURL + "/my/proof/2")).status == 404)
            #expect(try await harness.browser.request(try harness.url(harness.bridgeURL + "/my/proof/99999")).status == 404)

            // Withdrawal: a log entry, the notice, no second offer.
            let withdraw = try #require(page.form(action: "/my/withdraw"))
            let forged = try await harness.browser.submit(withdraw, overriding: ["csrf": "nope"])
            #expect(forged.status == 403)
            let after = try await harness.browser.submit(withdraw)
            #expect(after.url.path == "/my" && after.text(id: "my-notice")?.contains("withdrawal of consent") == true)
            #expect(after.form(action: "/my/withdraw") == nil)
            let logged = try await harness.flow.transferLog.entries(filter: LogFilter(decision: .withdrawn))
            #expect(logged.count == 1 && logged.first?.entry?.subjectDigest == entries[0].entry?.subjectDigest)
            #expect(try await harness.flow.transferLog.verify().entries == 4)

            // The recipient's notification export names the withdrawal and the
            // assertion the recipient had received; reviewers find the flow by its reference.
            let export = try await harness.browser.request(
                try harness.url(harness.bridgeURL + "/review/notifications.csv"), headers: [("Authorization", Self.reviewer)])
            #expect(export.status == 200)
            #expect(export.body.contains(harness.federation.relyingPartyEntityID) && export.body.contains("_" + flowID))
            let search = try await harness.browser.request(
                try harness.url(harness.bridgeURL + "/review/entries?flow=\(flowID)"), headers: [("Authorization", Self.reviewer)])
            #expect(search.body.contains("<b>1</b> entries match"))
            // The reference on the decline's return page is the flow's: a reviewer finds its entry by it.
            let reference = try #require(declined.deliveryPage?.text(id: "reference"))
            #expect(reference == declined.flowID)
            let byReference = try await harness.browser.request(
                try harness.url(harness.bridgeURL + "/review/entries?flow=\(reference)&decision=declined"),
                headers: [("Authorization", Self.reviewer)])
            #expect(byReference.body.contains("<b>1</b> entries match"))

            // Signing out ends the view.
            let signOut = try #require(after.form(action: "/my/sign-out"))
            let out = try await harness.browser.submit(signOut)
            #expect(out.link(id: "my-sign-in") != nil)
        }
    }

    @Test func aStrangerSeesNothing() async throws {
        try await FederationHarness.run { harness in
            _ = try await harness.signIn(as: "adult-basic", binding: .post)
            let stranger = TestBrowser()
            do {
                let page = try await stranger.open(try harness.url(harness.bridgeURL + "/my"))
                #expect(page.link(id: "my-sign-in") != nil && !page.body.contains("section class=\"recipient\""))
                #expect(try await stranger.request(try harness.url(harness.bridgeURL + "/my/proof/0")).status == 403)
                let forged = try await stranger.request(
                    try harness.url(harness.bridgeURL + "/my/withdraw"), method: .POST,
                    form: [("csrf", "x"), ("recipient", harness.federation.relyingPartyEntityID)])
                #expect(forged.status == 403)
            } catch {
                await stranger.shutdown()
                throw error
            }
            await stranger.shutdown()
            #expect(try await harness.flow.transferLog.entries(filter: LogFilter(decision: .withdrawn)).isEmpty)
        }
    }

    @Test func metricsCarryHelpBuildInfoAndExpiryGauges() async throws {
        try await FederationHarness.run { harness in
            _ = try await harness.signIn(as: "adult-basic", binding: .post)
            let page = try await harness.browser.request(try harness.url(harness.bridgeURL + "/metrics"))
            let text = page.body
            for name in [MetricNames.httpRequests, MetricNames.transfers, MetricNames.buildInfo, MetricNames.transferLogEntries] {
                #expect(text.contains("# HELP \(name) "), "\(name) has no HELP line")
            }
            #expect(text.contains("fb_build_info{version=\"\(BridgeVersion.current)\""))
            #expect(text.contains("\(MetricNames.transferLogEntries) 1"))
            for key in ["signing", "encryption"] {
                #expect(text.contains("\(MetricNames.certificateExpiry){key=\"\(key)\"}"), "\(key) certificate expiry")
            }
            #expect(text.contains("\(MetricNames.metadataExpiry){partner=\"\(harness.federation.relyingPartyEntityID)\"}"))
        }
    }
}
