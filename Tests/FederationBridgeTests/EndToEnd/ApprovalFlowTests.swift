import Foundation
import PIAChecks
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// The data request as iAM Smart runs it: after the sign-in, the resident
/// approves the requested fields in the app; the bridge waits without script
/// and asks iAM Smart, and nothing is released or logged as a transfer
/// until the approval comes.
@Suite(.serialized) struct ApprovalFlowTests {
    /// RP → bridge → sandbox app sign-in approved → the bridge's waiting page.
    func waitingPage(_ harness: FederationHarness, binding: RelyingPartyOutcome.Binding = .post) async throws -> TestBrowser.Page {
        let app = try await harness.openIAMSmartApp(binding: binding)
        let form = try #require(app.forms.first { $0.fields.contains { $0.name == "resident" && $0.value == "adult-basic" } })
        let page = try await harness.browser.submit(form, button: "approve")
        #expect(page.url.path == "/approval" && page.status == 200, "\(page.status) \(page.url)")
        return page
    }

    /// The RP's outcome after the resident takes the bridge's page back to it.
    func backToRelyingParty(_ harness: FederationHarness, from page: TestBrowser.Page) async throws -> RelyingPartyOutcome? {
        let back = try #require(page.forms.first { $0.action.absoluteString.hasPrefix(harness.relyingPartyURL) }, "a form back to the ACS")
        _ = try await harness.browser.submit(back)
        return await harness.relyingParty.outcomes().last
    }

    @Test func aPendingRequestWaitsWithoutScriptAndChangesNothing() async throws {
        try await FederationHarness.run { harness in
            let waiting = try await waitingPage(harness)
            #expect(waiting.body.contains("http-equiv=\"refresh\""), "the page reloads itself")
            #expect(!waiting.body.contains("<script"))
            #expect(waiting.link(id: "open-approval") != nil && waiting.form(action: "/approval/cancel") != nil)
            // Asking too early, again and again: still waiting, nothing logged, nothing sent.
            for _ in 0..<3 {
                let again = try await harness.browser.open(try harness.url(harness.bridgeURL + "/approval"))
                #expect(again.status == 200 && again.url.path == "/approval")
            }
            #expect(try await harness.logEntries().isEmpty)
            #expect(await harness.relyingParty.outcomes().isEmpty)
            // Then approved: on to the consent page and a transfer.
            let consent = try await harness.answerDataRequest(from: waiting, approve: true)
            #expect(consent.url.path == "/consent")
            let done = try await harness.browser.submit(try #require(consent.form(action: "/consent")), button: "agree")
            let outcome = try await backToRelyingParty(harness, from: done)
            #expect(outcome?.isSuccess == true)
        }
    }

    @Test func twoPollsAfterTheApprovalPrepareTheReleaseOnce() async throws {
        try await FederationHarness.run { harness in
            let browser = harness.browser
            let waiting = try await waitingPage(harness)
            let ticket = try await browser.open(try #require(waiting.link(id: "open-approval")))
            _ = try await browser.submit(try #require(ticket.form(action: "/sandbox/app/ticket")), button: "approve")
            // The waiting page reloads itself: two polls may arrive together once the approval is in.
            let url = try harness.url(harness.bridgeURL + "/approval")
            let pages = try await withThrowingTaskGroup(of: TestBrowser.Page.self) { group in
                for _ in 0..<2 { group.addTask { try await browser.request(url) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(pages.filter { $0.status == 303 && $0.headers.first(name: "Location") == "/consent" }.count == 1)
            #expect(pages.filter { $0.errorCode == FlowError.Code.unexpectedStep.rawValue }.count == 1)
            #expect(try await harness.logEntries().isEmpty)
        }
    }

    @Test(arguments: [RelyingPartyOutcome.Binding.post, .artifact])
    func aDeclineInTheAppEndsTheFlowAndTellsTheRelyingParty(binding: RelyingPartyOutcome.Binding) async throws {
        try await FederationHarness.run { harness in
            let waiting = try await waitingPage(harness, binding: binding)
            let page = try await harness.answerDataRequest(from: waiting, approve: false)
            #expect(page.body.contains("拒絕提供資料") || page.body.contains("declined the data request"))
            let outcome = try #require(try await backToRelyingParty(harness, from: page))
            #expect(outcome.verified && outcome.statusCode == SAMLStatus.responder && outcome.subStatusCode == SAMLStatus.requestDenied)
            #expect(outcome.attributes.isEmpty && outcome.decryptedAssertions.isEmpty)
            #expect(try await harness.logEntries().isEmpty, "nothing was logged as a transfer")
            let gone = try await harness.browser.open(try harness.url(harness.bridgeURL + "/approval"))
            #expect(gone.errorCode == FlowError.Code.unexpectedStep.rawValue, "the flow is over")
        }
    }

    @Test func anApprovalThatNeverComesTimesOut() async throws {
        try await FederationHarness.run(flowLifetime: "1m") { harness in
            let waiting = try await waitingPage(harness)
            await harness.iamSmart.setFaults(SandboxFaults(approvalNeverComes: true))
            let stillWaiting = try await harness.answerDataRequest(from: waiting, approve: true)
            #expect(stillWaiting.url.path == "/approval", "Approve was never recorded")
            harness.clock.advance(by: 120)
            let expired = try await harness.browser.open(try harness.url(harness.bridgeURL + "/approval"))
            #expect(expired.errorCode == FlowError.Code.flowExpired.rawValue)
            let outcome = try #require(try await backToRelyingParty(harness, from: expired))
            #expect(outcome.subStatusCode == SAMLStatus.authnFailed)
            #expect(try await harness.logEntries().isEmpty)
        }
    }

    @Test func aLateApprovalIsPickedUpByTheNextPoll() async throws {
        try await FederationHarness.run { harness in
            let waiting = try await waitingPage(harness)
            await harness.iamSmart.setFaults(SandboxFaults(approvalDelay: .milliseconds(1500)))
            let first = try await harness.answerDataRequest(from: waiting, approve: true)
            #expect(first.url.path == "/approval", "not effective yet: still waiting")
            try await Task.sleep(for: .milliseconds(1700))
            let next = try await harness.browser.open(try harness.url(harness.bridgeURL + "/approval"))
            #expect(next.url.path == "/consent")
        }
    }

    @Test func whenTheAppIsClosedTheResidentCanCancel() async throws {
        try await FederationHarness.run { harness in
            let waiting = try await waitingPage(harness)
            await harness.iamSmart.setFaults(SandboxFaults(appClosed: true))
            let app = try await harness.browser.open(try #require(waiting.link(id: "open-approval")))
            #expect(app.status == 503 && app.body.contains("app-closed"))
            let cancelForm = try #require(waiting.form(action: "/approval/cancel"))
            let forged = try await harness.browser.submit(cancelForm, overriding: ["csrf": "AAAA"])
            #expect(forged.errorCode == FlowError.Code.csrfInvalid.rawValue, "cancelling needs the session's token")
            let cancelled = try await harness.browser.submit(cancelForm)
            let outcome = try #require(try await backToRelyingParty(harness, from: cancelled))
            #expect(outcome.subStatusCode == SAMLStatus.authnFailed)
            #expect(try await harness.logEntries().isEmpty)
        }
    }

    @Test(arguments: [SandboxFaults(faceRecognitionFails: true), SandboxFaults(faceRecognitionUnavailable: true)])
    func aFailedOrUnavailableFaceStepUpReleasesNothing(fault: SandboxFaults) async throws {
        try await FederationHarness.run { harness in
            await harness.iamSmart.setFaults(fault)
            let requested = AuthnRequest.RequestedAuthnContext(comparison: .minimum, classRefs: [AuthnContextClass.faceVerified.rawValue])
            let run = try await harness.signIn(as: "adult-basic", binding: .post, requestedAuthnContext: requested)
            let outcome = try #require(run.outcome)
            #expect(outcome.verified && !outcome.isSuccess)
            #expect(outcome.subStatusCode == SAMLStatus.authnFailed)
            #expect(outcome.attributes.isEmpty && outcome.decryptedAssertions.isEmpty)
            #expect(try await harness.logEntries().isEmpty)
        }
    }
}
