import Crypto
import Foundation
import SAMLMapper
import Sandbox
import Testing
import _CryptoExtras

@testable import FederationBridge

/// Hostile and broken input at every endpoint: each gets its own HTTP status,
/// `FB-Error` code and operator message, a SAML status where a relying party
/// is involved, and changes no state (checked by doing the right thing
/// afterwards, and by the transfer log staying empty).
@Suite(.serialized) struct BadInputTests {
    static func expectRefusal(_ page: TestBrowser.Page, _ status: Int, _ code: FlowError.Code, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(page.status == status, "\(code.rawValue): HTTP \(page.status)", sourceLocation: sourceLocation)
        #expect(page.errorCode == code.rawValue, "got \(page.errorCode ?? "no code")", sourceLocation: sourceLocation)
        if page.body.contains("Envelope") {
            // Partners (SOAP) get the operator message as the SAML StatusMessage.
            #expect(page.body.contains("StatusMessage"), sourceLocation: sourceLocation)
            return
        }
        // One reference for the resident, no internal text: the detail is in the log under that reference.
        #expect(page.text(id: "reference")?.isEmpty == false, "no reference on the page", sourceLocation: sourceLocation)
        #expect(page.body.components(separatedBy: "id=\"reference\"").count == 2, sourceLocation: sourceLocation)
        #expect(!page.body.contains(code.rawValue) && !page.body.contains("operator-detail"), sourceLocation: sourceLocation)
    }

    @Test func authnRequestsThatMustBeRefused() async throws {
        try await FederationHarness.run { harness in
            let rp = harness.relyingParty
            let browser = harness.browser
            let otherKey = SigningKey.rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))

            let unknown = try await rp.authnRequestURL(binding: .post, overrides: .init(issuer: "https://unknown.example/sp"))
            let unknownPage = try await browser.request(try harness.url(unknown.url))
            Self.expectRefusal(unknownPage, 403, .unknownIssuer)
            #expect(!unknownPage.body.contains("https://unknown.example/sp"), "internal detail stays in the log")
            // The session cookie: random, HttpOnly, SameSite=Lax, not Secure on plain loopback.
            let cookie = try #require(unknownPage.headers.first(name: "Set-Cookie"))
            #expect(cookie.hasPrefix("fb_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))

            // Bad signature, then the same ID properly signed is still accepted: the refusal recorded nothing.
            let forged = try await rp.authnRequestURL(binding: .post, overrides: .init(id: "_fixed-id-1", signingKey: otherKey))
            Self.expectRefusal(try await browser.request(try harness.url(forged.url)), 403, .badSignature)
            let stale = try await rp.authnRequestURL(
                binding: .post, overrides: .init(id: "_fixed-id-1", issueInstant: Date().addingTimeInterval(-3600)))
            Self.expectRefusal(try await browser.request(try harness.url(stale.url)), 400, .staleRequest)
            let good = try await rp.authnRequestURL(binding: .post, overrides: .init(id: "_fixed-id-1"))
            let accepted = try await browser.request(try harness.url(good.url))
            #expect(accepted.status == 303 && accepted.headers.first(name: "Location") == "/start")

            // The same request again is a replay.
            let replay = try await browser.request(try harness.url(good.url))
            Self.expectRefusal(replay, 400, .replayedRequest)
            // The request was verified and its ACS is known: the refusal also goes back there, signed.
            let back = try #require(replay.forms.first { $0.action.absoluteString.hasPrefix(harness.relyingPartyURL) })
            #expect(back.fields.contains { $0.name == "SAMLResponse" })

            let evilACS = try await rp.authnRequestURL(binding: .post, overrides: .init(acsURL: "https://evil.example/acs"))
            let evil = try await browser.request(try harness.url(evilACS.url))
            Self.expectRefusal(evil, 400, .acsNotInMetadata)
            #expect(!evil.body.contains("https://evil.example/acs"), "no form to the unlisted ACS, and no internal detail")

            let unsigned = try await rp.authnRequestURL(binding: .post, overrides: .init(unsigned: true))
            Self.expectRefusal(try await browser.request(try harness.url(unsigned.url)), 403, .unsignedRequest)

            let garbage = try await browser.request(try harness.url(harness.bridgeURL + "/saml/sso?SAMLRequest=%%%not-base64"))
            Self.expectRefusal(garbage, 400, .malformedRequest)

            #expect(try await harness.logEntries().isEmpty)
        }
    }

    /// The resident's page names one reference; the operator finds the
    /// detail in the log under it; the page speaks the resident's language.
    @Test func anErrorReferenceLeadsToTheDetailInTheLog() async throws {
        let logs = LogRecorder()
        try await FederationHarness.run(logs: logs) { harness in
            let unknown = try await harness.relyingParty.authnRequestURL(binding: .post, overrides: .init(issuer: "https://unknown.example/sp"))
            var components = try #require(URLComponents(string: unknown.url))
            components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "lang", value: "en")]
            let page = try await harness.browser.request(try #require(components.url))
            #expect(page.status == 403)
            let reference = try #require(page.text(id: "reference"))
            #expect(page.body.contains("<html lang=\"en\">") && page.body.contains("not registered with this service"))
            #expect(!page.body.contains("unknown.example") && !page.body.contains("metadata folder"))
            let record = try #require(logs.records.first { $0.metadata["reference"] == reference })
            #expect(record.metadata["code"] == FlowError.Code.unknownIssuer.rawValue)
            #expect(record.metadata["detail"]?.contains("https://unknown.example/sp") == true)
        }
    }

    @Test func callbackAndConsentRefuseWhatDoesNotBelong() async throws {
        try await FederationHarness.run { harness in
            let browser = harness.browser
            let app = try await harness.openIAMSmartApp(binding: .post)
            let form = try #require(app.forms.first { $0.fields.contains { $0.name == "resident" && $0.value == "adult-basic" } })
            let approved = try await browser.request(form.action, method: .POST, form: form.fields + [("decision", "approve")])
            let callback = try #require(approved.headers.first(name: "Location"))
            #expect(callback.hasPrefix(harness.bridgeURL + "/iamsmart/callback"))

            // A callback with a state that is not this flow's.
            var components = try #require(URLComponents(string: callback))
            components.queryItems = components.queryItems?.map { $0.name == "state" ? URLQueryItem(name: "state", value: "forged") : $0 }
            Self.expectRefusal(try await browser.request(try #require(components.url)), 400, .unknownState)
            // A browser without the session cookie has no flow at all.
            let stranger = TestBrowser()
            Self.expectRefusal(try await stranger.request(try harness.url(callback)), 400, .noFlow)
            Self.expectRefusal(try await stranger.request(try harness.url(harness.bridgeURL + "/consent")), 400, .noFlow)
            await stranger.shutdown()

            // The genuine callback still works: the refusals changed nothing.
            let consent = try await harness.approvingData(try await browser.open(try harness.url(callback)))
            #expect(consent.url.path == "/consent" && consent.status == 200)
            // Replaying the callback is refused: the step is done.
            Self.expectRefusal(try await browser.request(try harness.url(callback)), 409, .unexpectedStep)

            let consentForm = try #require(consent.form(action: "/consent"))
            let forgedCSRF = try await browser.submit(consentForm, button: "agree", overriding: ["csrf": "AAAA"])
            Self.expectRefusal(forgedCSRF, 403, .csrfInvalid)
            let noCSRF = try await browser.submit(consentForm, button: "agree", dropping: ["csrf"])
            Self.expectRefusal(noCSRF, 403, .csrfInvalid)
            let noDecision = try await browser.submit(consentForm)
            Self.expectRefusal(noDecision, 400, .missingDecision)
            #expect(try await harness.logEntries().isEmpty, "refused consent posts must not reach the transfer log")

            // Still waiting for consent: agreeing now completes the flow.
            var done = try await browser.submit(consentForm, button: "agree")
            let back = try #require(done.forms.first { $0.action.absoluteString.hasPrefix(harness.relyingPartyURL) })
            done = try await browser.submit(back)
            #expect(done.text(id: "outcome") == "signed-in")
            #expect(try await harness.logEntries().count == 1)
            // And the flow is over: posting again changes nothing and answers no one.
            let late = try await browser.submit(consentForm, button: "agree")
            Self.expectRefusal(late, 409, .unexpectedStep)
            #expect(!late.forms.contains { $0.action.absoluteString.hasPrefix(harness.relyingPartyURL) }, "no second answer to the RP")
            #expect(try await harness.logEntries().count == 1)
        }
    }

    /// No log record, no transfer: when the transfer log cannot append,
    /// nothing reaches the relying party and the resident sees an error.
    @Test func nothingLeavesWhenTheTransferLogFails() async throws {
        try await FederationHarness.run { harness in
            let browser = harness.browser
            let app = try await harness.openIAMSmartApp(binding: .post)
            let form = try #require(app.forms.first { $0.fields.contains { $0.value == "adult-basic" } })
            let consent = try await harness.approve(form)
            let flowID = try #require(consent.body.range(of: "fl-[a-z2-7]{26}", options: .regularExpression).map { String(consent.body[$0]) })
            // At rest the flow is sealed: no name in the stored bytes.
            let sealed = try #require(try await harness.services.store.flow(id: flowID, now: Date()))
            for clear in ["沙盒基本", "SANDBOX", "Basic Adult"] {
                #expect(sealed.range(of: Data(clear.utf8)) == nil, "\(clear) stored in clear")
            }
            try await harness.flow.transferLog.store.close()
            let failed = try await browser.submit(try #require(consent.form(action: "/consent")), button: "agree")
            Self.expectRefusal(failed, 503, .transferLogUnavailable)
            #expect(!failed.body.contains("SAMLResponse") && !failed.body.contains("SAMLart"))
            #expect(await harness.relyingParty.outcomes().isEmpty)
            // The flow's personal data is gone too.
            #expect(try await harness.services.store.flow(id: flowID, now: Date()) == nil)
        }
    }

    @Test func anExpiredFlowIsAnsweredAndForgotten() async throws {
        try await FederationHarness.run(flowLifetime: "1m") { harness in
            let browser = harness.browser
            let app = try await harness.openIAMSmartApp(binding: .post)
            let form = try #require(app.forms.first { $0.fields.contains { $0.value == "adult-basic" } })
            let consent = try await harness.approve(form)
            let consentForm = try #require(consent.form(action: "/consent"))
            harness.clock.advance(by: 120)
            let expired = try await browser.submit(consentForm, button: "agree")
            Self.expectRefusal(expired, 410, .flowExpired)
            // The relying party is told, with a signed SAML status.
            let back = try #require(expired.forms.first { $0.action.absoluteString.hasPrefix(harness.relyingPartyURL) })
            let rpPage = try await browser.submit(back)
            let outcome = try #require(await harness.relyingParty.outcomes().last)
            #expect(outcome.verified && outcome.subStatusCode == SAMLStatus.authnFailed)
            #expect(rpPage.text(id: "outcome") == "not-signed-in")
            #expect(try await harness.logEntries().isEmpty)
        }
    }

    @Test func artifactsResolveOnceForTheirOwnerOnly() async throws {
        try await FederationHarness.run { harness in
            let browser = harness.browser
            let app = try await harness.openIAMSmartApp(binding: .artifact)
            let form = try #require(app.forms.first { $0.fields.contains { $0.value == "adult-plus" } })
            let consent = try await harness.approve(form)
            let consentForm = try #require(consent.form(action: "/consent"))
            let redirect = try await browser.request(
                consentForm.action, method: .POST, form: consentForm.fields + [("decision", "agree")])
            #expect(redirect.status == 303)
            let location = try #require(redirect.headers.first(name: "Location"))
            let artifact = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "SAMLart" }?.value)
            #expect(!location.contains("SAMLResponse"), "personal data must not pass through the browser")
            let artifactURL = try harness.url(harness.bridgeURL + "/saml/artifact")

            // Signed by a key not in the RP's metadata: refused, and the artifact survives.
            let otherKey = SigningKey.rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
            let forged = try await browser.request(
                artifactURL, method: .POST, rawBody: try harness.relyingParty.artifactResolveEnvelope(artifact: artifact, key: otherKey))
            // SAML-level refusals are a signed status in a normal SOAP answer (SAML bindings §3.2.3.3).
            Self.expectRefusal(forged, 200, .badSignature)
            #expect(forged.body.contains(SAMLStatus.requestDenied))
            #expect(forged.body.contains("<ds:SignatureValue") || forged.body.contains("SignatureValue"), "the refusal is signed")
            let stale = try await browser.request(
                artifactURL, method: .POST,
                rawBody: try harness.relyingParty.artifactResolveEnvelope(artifact: artifact, issueInstant: Date().addingTimeInterval(-3600)))
            Self.expectRefusal(stale, 200, .staleRequest)
            let notSOAP = try await browser.request(artifactURL, method: .POST, rawBody: "<nope/>")
            Self.expectRefusal(notSOAP, 400, .malformedRequest)
            // Too large to read: still a SOAP answer with a code, not a bare error.
            let huge = try await browser.request(
                artifactURL, method: .POST, rawBody: "<x>" + String(repeating: "A", count: ArtifactEndpoint.artifactResolveLimit + 1) + "</x>")
            Self.expectRefusal(huge, 413, .malformedRequest)
            #expect(huge.body.contains("ArtifactResponse"))

            // The RP resolves it (following the redirect) and signs in.
            let rpPage = try await browser.open(try harness.url(location))
            #expect(rpPage.text(id: "outcome") == "signed-in", "\(rpPage.body.prefix(500))")

            // A second resolution of the same artifact is refused.
            let replay = try await browser.request(
                artifactURL, method: .POST, rawBody: try harness.relyingParty.artifactResolveEnvelope(artifact: artifact))
            Self.expectRefusal(replay, 200, .artifactUnknown)
            #expect(replay.body.contains(SAMLStatus.requestDenied))
            #expect(try await harness.logEntries().count == 1)
        }
    }

    @Test func partnerMetadataKeepsTheLastGoodVersionAndSaysWhy() async throws {
        try await FederationHarness.run { harness in
            let registry = harness.flow.registry
            let file = harness.federation.url("metadata/guangdong-sandbox.xml")
            let good = try Data(contentsOf: file)
            #expect(registry.readinessProblem() == nil)
            let ready = try await harness.browser.request(try harness.url(harness.bridgeURL + "/readyz"))
            #expect(ready.status == 200)

            // Tampered: the signature fails; the last good version stays in use.
            var tampered = String(decoding: good, as: UTF8.self)
            tampered = tampered.replacingOccurrences(of: "/acs/post", with: "/acs/evil")
            try Data(tampered.utf8).write(to: file)
            registry.reload()
            #expect(registry.serviceProvider(entityID: harness.federation.relyingPartyEntityID) != nil)
            // The partner is degraded, named in /readyz, and the service stays ready.
            #expect(registry.readinessProblem() == nil)
            let problem = try #require(registry.degradation())
            #expect(problem.contains("guangdong-sandbox.xml") && problem.contains("keeping"))
            let probe = try #require(await harness.services.readiness.evaluate().probes.first { $0.name == "metadata" })
            #expect(probe.ready && probe.degraded?.contains("guangdong-sandbox.xml") == true)
            let degraded = try await harness.browser.request(try harness.url(harness.bridgeURL + "/readyz"))
            #expect(degraded.body.contains("guangdong-sandbox.xml") && degraded.body.contains("degraded"))
            // Sign-in still works on the last good version.
            let run = try await harness.signIn(as: "adult-basic", binding: .post)
            #expect(run.outcome?.verified == true)

            // Expired metadata is refused too; once the kept version expires, the partner is gone.
            try harness.federation.writeRelyingPartyMetadata(
                harness.relyingParty, baseURL: harness.relyingPartyURL, validUntil: Date().addingTimeInterval(-60))
            registry.reload()
            #expect(registry.degradation()?.contains("validUntil") == true)
            #expect(registry.readinessProblem(now: Date().addingTimeInterval(30 * 86400)) != nil, "no partner left: not ready")
            #expect(registry.serviceProviders(now: Date().addingTimeInterval(30 * 86400)).isEmpty)

            // A good file again: ready.
            try good.write(to: file)
            registry.reload()
            #expect(registry.readinessProblem() == nil && registry.degradation() == nil)
        }
    }

    @Test func ourMetadataIsSignedWithOurKey() async throws {
        try await FederationHarness.run { harness in
            let page = try await harness.browser.request(try harness.url(harness.bridgeURL + "/saml/metadata"))
            #expect(page.status == 200)
            let document = try XMLDocument(parsing: Data(page.body.utf8))
            let key = try SigningPublicKey(pem: try harness.federation.text("keys/bridge-signing-cert.pem"))
            let verified = try SignatureVerifier(trustedKeys: [key]).verify(document.root)
            #expect(verified.attribute("entityID") == harness.federation.bridgeEntityID)
            #expect(page.body.contains(harness.bridgeURL + "/saml/artifact"))
            #expect(page.body.contains(NameID.persistent) && !page.body.contains(NameID.transient))
        }
    }
}
