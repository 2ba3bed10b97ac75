import Foundation
import Logging
import PIAChecks
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// The whole sign-in over real HTTP on loopback, as a resident's browser
/// does it, for both bindings and every sandbox resident.
@Suite(.serialized) struct SignInFlowTests {
    static let adults = ["adult-basic", "adult-plus", "chname-unverified", "no-chname"]
    static let hkids = ["Z900001", "ZA900002", "Z900003", "Z900004", "Z900005"]

    @Test(arguments: [RelyingPartyOutcome.Binding.post, .artifact])
    func adultsSignInAndTheRelyingPartyVerifiesWhatItReceived(binding: RelyingPartyOutcome.Binding) async throws {
        try await FederationHarness.run { harness in
            var nameIDs: Set<String> = []
            for resident in Self.adults {
                let run = try await harness.signIn(as: resident, binding: binding)
                let outcome = try #require(run.outcome, "\(resident): the RP received nothing")
                #expect(run.relyingPartyPage.text(id: "outcome") == "signed-in", "\(resident): \(run.relyingPartyPage.body.prefix(600))")
                #expect(outcome.verified, "\(resident): \(outcome.problem ?? "")")
                #expect(outcome.isSuccess)
                #expect(outcome.binding == binding)
                #expect(outcome.encrypted, "the purpose requires encryption and the RP publishes a key")
                #expect(outcome.nameIDFormat == NameID.persistent)
                let nameID = try #require(outcome.nameID)
                #expect(nameID.count == 52 && nameID.allSatisfy { $0.isLowercase || $0.isNumber })
                nameIDs.insert(nameID)
                #expect(outcome.attribute(GuangdongAttribute.ageOver18.rawValue) == ["true"])
                #expect(outcome.attribute(GuangdongAttribute.pairwiseID.rawValue) == ["\(nameID)@bridge.sandbox.invalid"])
                #expect(outcome.attribute(GuangdongAttribute.isReal.rawValue) == ["1"])
                // Never the HKID, the birth date or contact data, anywhere in what was sent.
                let received =
                    outcome.decryptedAssertions.map { String(decoding: $0, as: UTF8.self) }.joined()
                    + String(decoding: outcome.responseXML, as: UTF8.self)
                for secret in Self.hkids + ["19850312", "19790101", "1985-03-12", "sandbox.invalid\u{0}", "55500001", "TEST ROAD"] {
                    #expect(!received.contains(secret), "\(resident): \(secret) leaked")
                }
                // Flow state ended with the flow.
                let flowID = try #require(run.flowID)
                #expect(try await harness.services.vault.flow(id: flowID, now: Date()) == nil)
            }
            // Each resident got a different pairwise identifier.
            #expect(nameIDs.count == Self.adults.count)
            // Names and script conversion as the consent page showed them.
            let entries = try await harness.logEntries()
            #expect(entries.count == Self.adults.count)
            #expect(entries.allSatisfy { $0.decision == "transfer" && $0.failed.isEmpty })
            let report = try await harness.flow.transferLog.verify()
            #expect(report.entries == Self.adults.count)
        }
    }

    @Test func theConsentPageShowsExactlyWhatIsSent() async throws {
        try await FederationHarness.run { harness in
            let run = try await harness.signIn(as: "adult-basic", binding: .post)
            let consent = try #require(run.consentPage).body
            let outcome = try #require(run.outcome)
            for attribute in outcome.attributes {
                #expect(consent.contains("<code>\(attribute.name)</code>"), "\(attribute.name) missing from the consent page")
                for value in attribute.values { #expect(consent.contains(value), "\(attribute.name) value not shown as sent") }
            }
            #expect(outcome.attribute("cn") == ["沙盒基本"])
            #expect(outcome.attribute("sex") == ["1"])
            // The page's language (Traditional Chinese by default): the recipient's name and city in it.
            #expect(consent.contains("廣東省政務服務和數據管理局（沙盒）") && consent.contains("廣州"))
            #expect(consent.contains("privacy@gd-platform.sandbox.invalid"))
            #expect(consent.contains("GBA-SC-SANDBOX-0001") && consent.contains("由香港傳送到內地"))
            #expect(consent.contains("跨境身份橋接服務營運者（沙盒）") && consent.contains("https://bridge.sandbox.invalid/privacy"))
            #expect(!consent.contains("<script"))
            // The return page says where the data went, continues by itself
            // (a hash-allowed script), and works without script: a visible button.
            let delivery = try #require(run.deliveryPage).body
            #expect(delivery.contains("已傳送給廣東省政務服務和數據管理局（沙盒）"))
            #expect(delivery.contains("<button type=\"submit\""))
            #expect(delivery.contains("<script>\(PageTemplates.autoSubmit)</script>"))
            #expect(!delivery.contains("?lang="), "no language links that would end the sign-in")
            #expect(run.deliveryPage?.headers.first(name: "Content-Security-Policy")?.contains("script-src 'sha256-") == true)
        }
    }

    /// A phone's browser is handed to the app on the same phone with its
    /// documented `source`; a desktop gets the QR code; both in the page's language.
    @Test func theHandOffFollowsTheDeviceAndThePageLanguage() async throws {
        try await FederationHarness.run { harness in
            let iPhone =
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
            let phone = TestBrowser(userAgent: iPhone)
            do {
                let (request, _) = try await harness.relyingParty.authnRequestURL(binding: .post)
                let start = try await phone.open(try harness.url(request + "&lang=en"))
                #expect(start.body.contains("<html lang=\"en\">"))
                let handoff = try #require(start.link(containing: "button primary"))
                let query = Dictionary(
                    (URLComponents(url: handoff, resolvingAgainstBaseURL: false)?.queryItems ?? []).map { ($0.name, $0.value ?? "") },
                    uniquingKeysWith: { $1 })
                #expect(query["source"] == "iOS_Safari")
                #expect(query["lang"] == "en-US")
                let app = try await phone.request(handoff)
                #expect(app.status == 303 && app.headers.first(name: "Location")?.contains("/sandbox/app/authorize") == true, "same-phone hand-off")
            } catch {
                await phone.shutdown()
                throw error
            }
            await phone.shutdown()

            // A desktop: the QR page, in Simplified Chinese when the page was.
            let (request, _) = try await harness.relyingParty.authnRequestURL(binding: .post)
            let start = try await harness.browser.open(try harness.url(request + "&lang=zh-Hans"))
            let handoff = try #require(start.link(containing: "button primary"))
            #expect(handoff.absoluteString.contains("source=PC_Browser") && handoff.absoluteString.contains("lang=zh-CN"))
            let qr = try await harness.browser.open(handoff)
            #expect(qr.body.contains("<html lang=\"zh-Hans\">") && qr.body.contains("请使用“智方便”应用程序扫描此二维码"))
            #expect(qr.body.contains("name=\"viewport\""))

            // The sandbox refuses what iAM Smart does not define.
            for (name, bad) in [("lang", "fr-FR"), ("source", "Windows_Phone")] {
                var components = try #require(URLComponents(url: handoff, resolvingAgainstBaseURL: false))
                components.queryItems = components.queryItems?.map { $0.name == name ? URLQueryItem(name: name, value: bad) : $0 }
                let refused = try await harness.browser.request(try #require(components.url))
                #expect(refused.status == 400 && refused.body.contains("D40000"), "\(name)=\(bad)")
            }
        }
    }

    @Test func anUnverifiedChineseNameIsWithheldAndTheConsentPageSaysSo() async throws {
        try await FederationHarness.run { harness in
            let run = try await harness.signIn(as: "chname-unverified", binding: .post)
            let outcome = try #require(run.outcome)
            #expect(outcome.verified && outcome.isSuccess)
            #expect(outcome.attribute(GuangdongAttribute.chineseName.rawValue) == nil, "not asserted as a real-name value")
            #expect(outcome.attribute(GuangdongAttribute.chineseNameSimplified.rawValue) == nil)
            let consent = try #require(run.consentPage).body
            #expect(consent.contains("<code>cn</code>") == false)
            #expect(consent.contains("未核實你的中文姓名") || consent.contains("not verified your Chinese name"))
        }
    }

    @Test func anAnswerToContentOtherThanWhatWasShownChangesNothing() async throws {
        try await FederationHarness.run { harness in
            let (_, form) = try await harness.reachConsent(as: "adult-basic", binding: .post)
            let shown = try #require(form.fields.first { $0.name == "shown" }?.value)
            #expect(shown.count == 64, "the form carries the digest of what it shows")
            let forged = try await harness.browser.submit(form, button: "agree", overriding: ["shown": String(repeating: "0", count: 64)])
            #expect(forged.status == 409 && forged.errorCode == FlowError.Code.consentChanged.rawValue)
            let otherLanguage = try await harness.browser.submit(form, button: "agree", overriding: ["lang": "en"])
            #expect(otherLanguage.errorCode == FlowError.Code.consentChanged.rawValue, "the digest is of the page in its own language")
            #expect(try await harness.logEntries().isEmpty, "nothing was recorded")
            // The genuine answer still works, and the log binds the shown content.
            let page = try await harness.browser.submit(form, button: "agree")
            #expect(page.errorCode == nil)
            let entries = try await harness.logEntries()
            #expect(entries.map(\.decision) == ["transfer"])
            #expect(entries.first?.consentDigest.count == 64)
        }
    }

    @Test func sessionIDsComeFromTheServerAndRotate() async throws {
        try await FederationHarness.run { harness in
            let browser = harness.browser
            let cookieName = harness.services.sessions.cookieName
            // An attacker plants a well-formed ID of their choosing.
            let planted = String(repeating: "A", count: 64)
            let (url, _) = try await harness.relyingParty.authnRequestURL(binding: .post)
            let sso = try await browser.request(try harness.url(url), headers: [("Cookie", "\(cookieName)=\(planted)")])
            #expect(sso.status == 303)
            let issued = try #require(browser.cookie(cookieName))
            #expect(issued != planted, "a client-chosen session ID is never adopted")
            #expect(harness.services.sessions.isIssued(issued))
            // The flow works on the issued session, and the ID changes again after the iAM Smart sign-in.
            let start = try await browser.open(try harness.url(harness.bridgeURL + "/start"))
            #expect(start.status == 200)
            let qr = try await browser.open(try #require(start.link(containing: "button primary")))
            let app = try await browser.open(try #require(qr.link(id: "open-app")))
            let form = try #require(app.forms.first { $0.fields.contains { $0.name == "resident" && $0.value == "adult-basic" } })
            let consent = try await harness.approve(form)
            #expect(consent.url.path == "/consent")
            let afterSignIn = try #require(browser.cookie(cookieName))
            #expect(afterSignIn != issued, "rotated after the iAM Smart callback")
            // The pre-sign-in ID no longer reaches the flow.
            let outsider = TestBrowser()
            let stale = try await outsider.request(try harness.url(harness.bridgeURL + "/consent"), headers: [("Cookie", "\(cookieName)=\(issued)")])
            await outsider.shutdown()
            #expect(stale.errorCode == FlowError.Code.noFlow.rawValue)
        }
    }

    @Test(arguments: [RelyingPartyOutcome.Binding.post, .artifact])
    func theSeventeenYearOldIsRefusedByTheAgeCheck(binding: RelyingPartyOutcome.Binding) async throws {
        try await FederationHarness.run { harness in
            let run = try await harness.signIn(as: "minor-17", binding: binding)
            let outcome = try #require(run.outcome)
            #expect(outcome.verified, "\(outcome.problem ?? "")")
            #expect(outcome.statusCode == SAMLStatus.responder)
            #expect(outcome.subStatusCode == SAMLStatus.requestDenied)
            #expect(outcome.statusMessage?.contains("age") == true, "\(outcome.statusMessage ?? "")")
            #expect(outcome.attributes.isEmpty && outcome.decryptedAssertions.isEmpty, "nothing personal may reach the RP")
            #expect(run.relyingPartyPage.text(id: "outcome") == "not-signed-in")
            // Asked nothing: the age check does not depend on the answer, so it ran
            // before the consent page, and the resident is told why in their language.
            #expect(run.consentPage == nil, "Agree is never offered for a transfer the gate will refuse")
            let page = try #require(run.deliveryPage)
            #expect(page.body.contains("id=\"outcome\""))
            #expect(page.body.contains("18"), "the page says the service is for people aged 18 or over")
            let entries = try await harness.logEntries()
            #expect(entries.count == 1)
            #expect(entries.first?.decision == "refused")
            #expect(entries.first?.failed.contains { $0.contains("age") } == true, "\(entries.first?.failed ?? [])")
            #expect(try await harness.flow.transferLog.verify().entries == 1)
        }
    }

    @Test(arguments: [RelyingPartyOutcome.Binding.post, .artifact])
    func aDeclineIsLoggedAndAnsweredWithASAMLStatus(binding: RelyingPartyOutcome.Binding) async throws {
        try await FederationHarness.run { harness in
            let run = try await harness.signIn(as: "adult-plus", binding: binding, decision: .decline)
            let outcome = try #require(run.outcome)
            #expect(outcome.verified, "\(outcome.problem ?? "")")
            #expect(outcome.statusCode == SAMLStatus.responder)
            #expect(outcome.subStatusCode == SAMLStatus.requestDenied)
            #expect(outcome.statusMessage?.contains("declined") == true)
            #expect(outcome.attributes.isEmpty && outcome.decryptedAssertions.isEmpty)
            let entries = try await harness.logEntries()
            #expect(entries.count == 1)
            #expect(entries.first?.decision == "declined", "a decline is not a refusal")
            #expect(entries.first?.failed.isEmpty == true, "no check failed: the resident said no")
            #expect(entries.first?.consentDigest == "")
            #expect(try await harness.flow.transferLog.verify().entries == 1)
        }
    }

    @Test func usableButNotVisibleReleasesOnlyMatchResults() async throws {
        try await FederationHarness.run { harness in
            let run = try await harness.signIn(
                as: "adult-basic", binding: .post, claims: (name: "SANDBOX, Basic Adult", birthDate: "1985-03-12"))
            let outcome = try #require(run.outcome)
            #expect(outcome.verified && outcome.isSuccess, "\(outcome.problem ?? "") \(outcome.statusMessage ?? "")")
            #expect(outcome.attribute(GuangdongAttribute.nameMatches.rawValue) == ["true"])
            #expect(outcome.attribute(GuangdongAttribute.birthDateMatches.rawValue) == ["true"])
            for compared in [GuangdongAttribute.chineseName, .chineseNameSimplified, .englishName] {
                #expect(outcome.attribute(compared.rawValue) == nil, "\(compared.rawValue) must not be released in claim mode")
            }
            let wrong = try await harness.signIn(
                as: "adult-plus", binding: .artifact, claims: (name: "SANDBOX, Basic Adult", birthDate: "1985-03-12"))
            let mismatch = try #require(wrong.outcome)
            #expect(mismatch.attribute(GuangdongAttribute.nameMatches.rawValue) == ["false"])
            #expect(mismatch.attribute(GuangdongAttribute.birthDateMatches.rawValue) == ["false"])
            #expect(!String(decoding: mismatch.decryptedAssertions.first ?? Data(), as: UTF8.self).contains("SANDBOX"))
        }
    }

    @Test func oneLogEntryPerAttemptAndTheLogVerifies() async throws {
        try await FederationHarness.run { harness in
            _ = try await harness.signIn(as: "adult-basic", binding: .post)
            _ = try await harness.signIn(as: "minor-17", binding: .artifact)
            _ = try await harness.signIn(as: "no-chname", binding: .post, decision: .decline)
            _ = try await harness.signIn(as: "adult-plus", binding: .artifact)
            let entries = try await harness.logEntries()
            #expect(entries.map(\.decision) == ["transfer", "refused", "declined", "transfer"])
            #expect(entries.allSatisfy { $0.recipient == harness.federation.relyingPartyEntityID })
            let report = try await harness.flow.transferLog.verify()
            #expect(report.entries == 4)
            // The same store opened read-only with only the public key verifies too.
            let store = try await TransferLogStores.open(url: "sqlite:" + harness.federation.url("var/transfer-log.sqlite").path)
            let reviewer = TransferLog(store: store, verifier: harness.flow.transferLog.verifier)
            #expect(try await reviewer.verify().entries == 4)
            try await store.close()
            // Metrics saw the verdicts.
            let metrics = harness.services.metrics.exposition()
            #expect(metrics.contains(MetricNames.transfers))
            #expect(metrics.contains("decision=\"declined\""))
        }
    }

    /// Logs carry the flow ID on the flow's lines and never personal data:
    /// no names, HKIDs, birth dates, phone numbers or openIDs.
    @Test func logsCarryTheFlowIDAndNoPersonalData() async throws {
        let logs = LogRecorder()
        try await FederationHarness.run(logs: logs) { harness in
            let run = try await harness.signIn(as: "adult-basic", binding: .post)
            _ = try await harness.signIn(as: "minor-17", binding: .artifact)
            let flowID = try #require(run.flowID)
            let records = logs.records
            let flowLines = records.filter { $0.metadata[Logger.flowIDKey] == flowID }.map(\.message)
            for step in [
                "authn request accepted", "iAM Smart sign-in complete; data request sent for approval", "iAM Smart data approved",
                "privacy verdict logged", "assertion issued",
            ] {
                #expect(flowLines.contains(step), "no '\(step)' line with the flow ID; lines: \(flowLines)")
            }
            let openIDs = ["adult-basic", "minor-17"].map { harness.iamSmart.openID(forResident: $0) }
            let personal = ["沙盒基本", "沙盒少年", "SANDBOX", "Z900001", "Z900003", "19850312", "55500001", "basic.adult@"] + openIDs
            for record in records {
                for value in personal {
                    #expect(!record.text.contains(value), "log line leaks \(value): \(record.text)")
                }
            }
            #expect(records.count > 10)
        }
    }
}
