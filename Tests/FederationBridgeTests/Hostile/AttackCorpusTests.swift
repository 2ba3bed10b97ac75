import Crypto
import Foundation
import SAMLMapper
import Sandbox
import Testing
import _CryptoExtras

@testable import FederationBridge

/// The attack corpus, sent to the live endpoints as an outsider would. Every
/// message ends in a refusal with an `FB-Error` code, and changes nothing:
/// no flow, no replay entry, no artifact taken, no log entry; the genuine
/// message still works afterwards.
@Suite(.serialized) struct AttackCorpusTests {
    static let refusalCodes: Set<String> = [
        FlowError.Code.badSignature, .unsignedRequest, .malformedRequest, .unsupportedRequest, .unknownIssuer,
    ].reduce(into: []) { $0.insert($1.rawValue) }
    /// At the artifact endpoint the genuine message names a spent artifact:
    /// read as itself, it is refused as unknown.
    static let artifactRefusalCodes = refusalCodes.union([FlowError.Code.artifactUnknown.rawValue])

    /// A refusal: 4xx (or a SOAP answer carrying a SAML error), with a code.
    static func expectRefused(
        _ page: TestBrowser.Page, _ attack: String, codes: Set<String> = AttackCorpusTests.refusalCodes, soap: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let code = page.errorCode ?? "(none)"
        #expect(codes.contains(code), "\(attack): FB-Error \(code), HTTP \(page.status)", sourceLocation: sourceLocation)
        if soap {
            #expect([200, 400, 403, 413].contains(page.status), "\(attack): HTTP \(page.status)", sourceLocation: sourceLocation)
            #expect(!page.body.contains("saml:Assertion") && !page.body.contains("EncryptedAssertion"), "\(attack)", sourceLocation: sourceLocation)
        } else {
            #expect((400..<500).contains(page.status), "\(attack): HTTP \(page.status)", sourceLocation: sourceLocation)
            #expect(page.headers.first(name: "Location") == nil, "\(attack): redirected", sourceLocation: sourceLocation)
        }
    }

    /// No flow, replay entry or artifact in the store (sweeping as if all had
    /// expired counts them), and nothing in the transfer log. Failure records
    /// kept for reviewers are meant to stay.
    static func expectNoState(_ harness: FederationHarness, artifacts: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var left = try await harness.services.store.sweep(now: .distantFuture)
        left.failureRecords = 0
        #expect(left == SweepCount(artifacts: artifacts), "state left behind: \(left)", sourceLocation: sourceLocation)
        #expect(try await harness.logEntries().isEmpty, sourceLocation: sourceLocation)
    }

    static func relyingPartyKey(_ harness: FederationHarness) throws -> SigningKey {
        try SigningKey(pem: try harness.federation.text("keys/rp-signing-key.pem"))
    }

    /// An AuthnRequest as the relying party would send it on the HTTP-POST
    /// binding: enveloped signature, its purpose in the fb:Request extension.
    static func authnRequest(
        _ harness: FederationHarness, id: String, acs: String? = nil, binding: String = MetadataEndpoint.postBinding
    ) -> AuthnRequest {
        let ns = XMLNamespace(prefix: "fb", uri: GuangdongRelyingParty.requestExtensionNamespace)
        var purpose = XMLBuilder("Request", ns)
        purpose.append(XMLBuilder("Purpose", ns, text: harness.federation.purposeID))
        return AuthnRequest(
            id: id, issueInstant: Date(), destination: harness.bridgeURL + "/saml/sso", issuer: harness.federation.relyingPartyEntityID,
            assertionConsumerServiceURL: acs ?? harness.relyingPartyURL + "/acs/post", protocolBinding: binding,
            nameIDPolicy: .init(format: NameID.persistent, allowCreate: true), extensions: [Data(purpose.xmlString().utf8)])
    }

    static func sign(_ xml: String, with signer: EnvelopedSigner) throws -> String {
        AttackCorpus.withoutDeclaration(String(decoding: try signer.signedXML(xml), as: UTF8.self))
    }

    static func postSSO(_ harness: FederationHarness, _ xml: String, relayState: String? = nil) async throws -> TestBrowser.Page {
        var form = [("SAMLRequest", Data(xml.utf8).base64EncodedString())]
        if let relayState { form.append(("RelayState", relayState)) }
        return try await harness.browser.request(try harness.url(harness.bridgeURL + "/saml/sso"), method: .POST, form: form)
    }

    // MARK: AuthnRequest

    @Test func authnRequestCorpusOnThePOSTBinding() async throws {
        try await FederationHarness.run { harness in
            let key = try Self.relyingPartyKey(harness)
            let originalID = "_genuine-\(UUID().uuidString)"
            let genuine = try Self.sign(Self.authnRequest(harness, id: originalID).builder.xmlString(), with: EnvelopedSigner(key: key))
            // What the attacker wants: another request ID, the response to the artifact endpoint.
            let evil = Self.authnRequest(
                harness, id: "_evil", acs: harness.relyingPartyURL + "/acs/artifact", binding: MetadataEndpoint.artifactBinding
            ).builder.xmlString()
            var attacks = try AttackCorpus.wrapping(signed: genuine, evil: evil, extensionsTag: "samlp:Extensions")
            attacks += try AttackCorpus.entityTricks(genuine)
            attacks += [try AttackCorpus.deep(genuine), try AttackCorpus.oversize(genuine, bytes: 600 * 1024)]

            // Downgrades and foreign keys, each on an otherwise genuine request.
            let attacker = SigningKey.rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
            let attackerCertificate = try SelfSignedCertificate(key: attacker, commonName: harness.federation.relyingPartyEntityID)
            func variant(_ name: String, _ signer: EnvelopedSigner) throws -> AttackCorpus.Attack {
                AttackCorpus.Attack(name: name, xml: try Self.sign(Self.authnRequest(harness, id: originalID).builder.xmlString(), with: signer))
            }
            attacks += [
                try variant("RSA-SHA1 signature", EnvelopedSigner(key: key, algorithm: .rsaSHA1)),
                try variant("SHA-1 digest", EnvelopedSigner(key: key, digest: .sha1)),
                try variant(
                    "attacker key with its certificate in KeyInfo", EnvelopedSigner(key: attacker, certificateDER: Array(attackerCertificate.der))),
                AttackCorpus.Attack(
                    name: "HMAC-SHA256 keyed with the public certificate",
                    xml: genuine.replacingOccurrences(
                        of: SignatureAlgorithm.rsaSHA256.uri, with: "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256")),
            ]
            #expect(attacks.count == 23)
            for attack in attacks {
                Self.expectRefused(try await Self.postSSO(harness, attack.xml), attack.name)
            }
            try await Self.expectNoState(harness)

            // The genuine request, with its ID, is still fresh: nothing above was recorded.
            let accepted = try await Self.postSSO(harness, genuine)
            #expect(accepted.status == 303 && accepted.headers.first(name: "Location") == "/start", "\(accepted.status) \(accepted.errorCode ?? "")")

            // A comment inside the Issuer leaves the signature valid; the
            // issuer is read whole, so the message is the genuine one.
            let commentID = "_comment-\(UUID().uuidString)"
            let signedAgain = try Self.sign(Self.authnRequest(harness, id: commentID).builder.xmlString(), with: EnvelopedSigner(key: key))
            let comment = try AttackCorpus.commentInside(signedAgain, element: "saml:Issuer")
            let read = try await Self.postSSO(harness, comment.xml)
            #expect(read.status == 303, "\(comment.name): \(read.status) \(read.errorCode ?? "") \(read.body.prefix(300))")
        }
    }

    @Test func authnRequestCorpusOnTheRedirectBinding() async throws {
        try await FederationHarness.run { harness in
            let key = try Self.relyingPartyKey(harness)
            let request = Self.authnRequest(harness, id: "_redirect-\(UUID().uuidString)")
            let xml = Data(request.builder.xmlString().utf8)
            let sso = harness.bridgeURL + "/saml/sso?"
            var queries: [(String, String)] = [
                ("RSA-SHA1 query signature", try RedirectBinding.encode(xml, key: key, algorithm: .rsaSHA1)),
                ("attacker key", try RedirectBinding.encode(xml, key: SigningKey.rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)))),
                ("unsigned", try RedirectBinding.encode(xml)),
            ]
            let signed = try RedirectBinding.encode(xml, relayState: "state-1", key: key)
            queries.append(("RelayState changed after signing", signed.replacingOccurrences(of: "RelayState=state-1", with: "RelayState=state-2")))
            let hmac = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let swapped = signed.split(separator: "&").map { $0.hasPrefix("SigAlg=") ? "SigAlg=" + hmac : String($0) }.joined(separator: "&")
            queries.append(("SigAlg swapped to HMAC", swapped))
            let tricks = try AttackCorpus.entityTricks(request.builder.xmlString())
            for attack in tricks + [try AttackCorpus.deep(request.builder.xmlString())] where attack.name != "XInclude" {
                queries.append((attack.name, try RedirectBinding.encode(Data(attack.xml.utf8), key: key)))
            }
            // A DEFLATE bomb: a few KiB on the wire, megabytes inflated.
            let bomb =
                "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">" + String(repeating: " ", count: 8 << 20)
                + "</samlp:AuthnRequest>"
            queries.append(("DEFLATE bomb", try RedirectBinding.encode(Data(bomb.utf8))))
            for (name, query) in queries {
                Self.expectRefused(try await harness.browser.request(try harness.url(sso + query)), name)
            }
            // Longer than the HTTP layer reads (80 KiB): refused with a code too, not a bare 400.
            let long = try await harness.browser.request(try harness.url(sso + "SAMLRequest=" + String(repeating: "A", count: 100 * 1024)))
            Self.expectRefused(long, "100 KiB URL", codes: [FlowError.Code.malformedRequest.rawValue])
            #expect(long.status == 414 && long.body.contains("HTTP-POST binding"), "\(long.status) \(long.body)")
            // The server still answers on a new connection.
            #expect(try await harness.browser.request(try harness.url(harness.bridgeURL + "/healthz")).status == 200)
            try await Self.expectNoState(harness)

            // An XInclude the partner itself signed is inert: never processed,
            // so the request is read as the partner wrote it and nothing is included.
            let xinclude = try #require(tricks.first { $0.name == "XInclude" })
            let signedInclude = try RedirectBinding.encode(Data(xinclude.xml.utf8), key: key)
            let start = try await harness.browser.open(try harness.url(sso + signedInclude))
            #expect(start.url.path == "/start" && start.status == 200)
            #expect(!start.body.contains("root:x:0"))
        }
    }

    /// A signed Response where an AuthnRequest belongs: the bridge reads no
    /// Responses, so every wrapping of one is refused as the wrong message.
    @Test func signedResponseCorpus() async throws {
        try await FederationHarness.run { harness in
            let key = try Self.relyingPartyKey(harness)
            let response = Response(
                id: "_resp", inResponseTo: "_r1", destination: harness.bridgeURL + "/saml/sso", issuer: harness.federation.relyingPartyEntityID,
                assertions: [])
            let genuine = AttackCorpus.withoutDeclaration(
                String(
                    decoding: try response.signedXML(EnvelopedSigner(key: key), protection: .init(signAssertions: false, signResponse: true)),
                    as: UTF8.self))
            let signature = try AttackCorpus.slice(genuine, from: "<ds:Signature", through: "</ds:Signature>")
            let evil = try AttackCorpus.replacingRootID(genuine.replacingOccurrences(of: signature, with: ""), with: "_evil")
                .replacingOccurrences(of: SAMLStatus.success, with: SAMLStatus.responder)
            let attacks =
                try AttackCorpus.wrapping(signed: genuine, evil: evil, extensionsTag: "samlp:Extensions") + [
                    AttackCorpus.Attack(name: "genuine signed Response", xml: genuine)
                ]
            for attack in attacks {
                Self.expectRefused(try await Self.postSSO(harness, attack.xml), attack.name)
            }
            try await Self.expectNoState(harness)
        }
    }

    // MARK: ArtifactResolve

    @Test func artifactResolveCorpus() async throws {
        try await FederationHarness.run { harness in
            let browser = harness.browser
            let app = try await harness.openIAMSmartApp(binding: .artifact)
            let form = try #require(app.forms.first { $0.fields.contains { $0.value == "adult-basic" } })
            let consent = try await harness.approve(form)
            let consentForm = try #require(consent.form(action: "/consent"))
            let redirect = try await browser.request(consentForm.action, method: .POST, form: consentForm.fields + [("decision", "agree")])
            let location = try #require(redirect.headers.first(name: "Location"))
            let live = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "SAMLart" }?.value)
            let artifactURL = try harness.url(harness.bridgeURL + "/saml/artifact")

            // The attacker holds a genuine signed ArtifactResolve for another,
            // spent artifact and wants the live one resolved.
            let key = try Self.relyingPartyKey(harness)
            let spent = SAMLArtifact(entityID: harness.federation.bridgeEntityID).encoded
            func resolve(id: String, artifact: String) -> String {
                ArtifactResolve(
                    id: id, destination: harness.bridgeURL + "/saml/artifact", issuer: harness.federation.relyingPartyEntityID, artifact: artifact
                ).builder.xmlString()
            }
            let genuine = try Self.sign(resolve(id: "_resolve", artifact: spent), with: EnvelopedSigner(key: key))
            var attacks = try AttackCorpus.wrapping(signed: genuine, evil: resolve(id: "_evil", artifact: live), extensionsTag: "samlp:Extensions")
            attacks += try AttackCorpus.entityTricks(genuine)
            attacks += [try AttackCorpus.deep(genuine)]
            attacks.append(
                AttackCorpus.Attack(
                    name: "RSA-SHA1 signature",
                    xml: try Self.sign(resolve(id: "_sha1", artifact: live), with: EnvelopedSigner(key: key, algorithm: .rsaSHA1))))
            for attack in attacks {
                let page = try await browser.request(artifactURL, method: .POST, rawBody: SOAPEnvelope.wrap(attack.xml))
                Self.expectRefused(page, attack.name, codes: Self.artifactRefusalCodes, soap: true)
            }
            // Entity tricks on the SOAP envelope itself.
            for attack in try AttackCorpus.entityTricks(SOAPEnvelope.wrap(genuine)) {
                Self.expectRefused(
                    try await browser.request(artifactURL, method: .POST, rawBody: attack.xml), "envelope: \(attack.name)",
                    codes: Self.artifactRefusalCodes, soap: true)
            }

            // The live artifact was not taken: the relying party resolves it and signs in.
            let rpPage = try await browser.open(try harness.url(location))
            #expect(rpPage.text(id: "outcome") == "signed-in")
            #expect(try await harness.logEntries().count == 1)
        }
    }

    // MARK: Metadata

    @Test func partnerMetadataCorpus() async throws {
        try await FederationHarness.run { harness in
            let registry = harness.flow.registry
            let file = harness.federation.url("metadata/guangdong-sandbox.xml")
            let genuine = try String(contentsOf: file, encoding: .utf8)
            let evilACS = "https://evil.example/acs"
            let unsigned = AttackCorpus.withoutDeclaration(genuine).replacingOccurrences(
                of: try AttackCorpus.slice(genuine, from: "<ds:Signature", through: "</ds:Signature>"), with: "")
            let evil = try AttackCorpus.replacingRootID(
                unsigned.replacingOccurrences(of: harness.relyingPartyURL + "/acs/post", with: evilACS), with: "_evil")
            #expect(evil.contains(evilACS))
            let attacks =
                try AttackCorpus.wrapping(signed: genuine, evil: evil, extensionsTag: "md:Extensions") + (try AttackCorpus.entityTricks(genuine))
            for attack in attacks {
                try Data(attack.xml.utf8).write(to: file)
                registry.reload()
                let kept = try #require(registry.serviceProvider(entityID: harness.federation.relyingPartyEntityID), "\(attack.name)")
                #expect(!kept.assertionConsumerServices.contains { $0.location == evilACS }, "\(attack.name)")
                // The partner is degraded alone, by name; the bridge stays ready for the others.
                #expect(registry.degradation()?.contains("guangdong-sandbox.xml") == true, "\(attack.name)")
                // A request for the attacker's ACS is still refused, with a code.
                let (url, _) = try await harness.relyingParty.authnRequestURL(binding: .post, overrides: .init(acsURL: evilACS))
                let page = try await harness.browser.request(try harness.url(url))
                Self.expectRefused(page, attack.name, codes: [FlowError.Code.acsNotInMetadata.rawValue])
            }
            try Data(genuine.utf8).write(to: file)
            registry.reload()
            #expect(registry.readinessProblem() == nil)
            try await Self.expectNoState(harness)
        }
    }

    // MARK: Oversize and deep on every endpoint

    @Test func oversizeAndDeepOnEveryEndpoint() async throws {
        try await FederationHarness.run { harness in
            let browser = harness.browser
            let bridge = harness.bridgeURL
            let huge = String(repeating: "A", count: 2 << 20)
            let longQuery = String(repeating: "A", count: 100 * 1024)
            let malformed: Set<String> = [FlowError.Code.malformedRequest.rawValue]
            // Request lines past the HTTP limit, wherever they go.
            for path in ["/saml/sso", "/start", "/iamsmart/callback", "/approval", "/consent", "/saml/metadata"] {
                let page = try await browser.request(try harness.url(bridge + path + "?x=" + longQuery))
                Self.expectRefused(page, "long URL on \(path)", codes: malformed)
            }
            // Bodies past each endpoint's limit.
            let sso = try await browser.request(try harness.url(bridge + "/saml/sso"), method: .POST, form: [("SAMLRequest", huge)])
            Self.expectRefused(sso, "2 MiB POST to /saml/sso", codes: malformed)
            let artifact = try await browser.request(try harness.url(bridge + "/saml/artifact"), method: .POST, rawBody: huge)
            Self.expectRefused(artifact, "2 MiB POST to /saml/artifact", codes: malformed, soap: true)
            let deepSOAP = try AttackCorpus.deep(SOAPEnvelope.wrap("<x/>"))
            Self.expectRefused(
                try await browser.request(try harness.url(bridge + "/saml/artifact"), method: .POST, rawBody: deepSOAP.xml),
                "deep SOAP", codes: malformed, soap: true)

            // The resident's own steps, on a live flow: too large a form is refused and the flow goes on.
            let app = try await harness.openIAMSmartApp(binding: .post)
            let form = try #require(app.forms.first { $0.fields.contains { $0.value == "adult-basic" } })
            let consent = try await harness.approve(form)
            let consentForm = try #require(consent.form(action: "/consent"))
            let bigConsent = try await browser.request(
                consentForm.action, method: .POST, form: consentForm.fields + [("decision", "agree"), ("padding", huge)])
            #expect(bigConsent.errorCode != nil && (400..<500).contains(bigConsent.status), "\(bigConsent.status) \(bigConsent.errorCode ?? "")")
            #expect(try await harness.logEntries().isEmpty)
            let done = try await browser.submit(consentForm, button: "agree")
            #expect(done.forms.contains { $0.action.absoluteString.hasPrefix(harness.relyingPartyURL) })
            #expect(try await harness.logEntries().count == 1)
        }
    }

    // MARK: Redirects and headers

    /// The response goes only to an ACS listed in metadata, whatever the
    /// request says; look-alike URLs are refused.
    @Test func lookAlikeACSURLsAreRefused() async throws {
        try await FederationHarness.run { harness in
            let acs = harness.relyingPartyURL + "/acs/post"
            let host = URLComponents(string: harness.relyingPartyURL)?.host ?? "127.0.0.1"
            let lookAlikes = [
                acs + "/../../evil", acs + "?next=https://evil.example", acs + "@evil.example", acs + "#evil", acs.uppercased(),
                acs.replacingOccurrences(of: host, with: "evil.example"), acs + "%0d%0aLocation:%20https://evil.example", " " + acs,
            ]
            for url in lookAlikes {
                let (request, _) = try await harness.relyingParty.authnRequestURL(binding: .post, overrides: .init(acsURL: url))
                Self.expectRefused(
                    try await harness.browser.request(try harness.url(request)), url, codes: [FlowError.Code.acsNotInMetadata.rawValue])
            }
            try await Self.expectNoState(harness)
        }
    }

    /// RelayState is the relying party's opaque value: a URL in it is never
    /// followed, and a line break in it (an attempt to add a header to the
    /// redirect) is refused.
    @Test func relayStateNeitherRedirectsNorInjects() async throws {
        try await FederationHarness.run { harness in
            let browser = harness.browser
            for injected in ["x\r\nSet-Cookie: planted=1", "x\nLocation: https://evil.example/", "x\u{0}y"] {
                let (url, _) = try await harness.relyingParty.authnRequestURL(binding: .post, relayState: injected)
                let page = try await browser.request(try harness.url(url))
                Self.expectRefused(page, "RelayState \(injected.debugDescription)", codes: [FlowError.Code.malformedRequest.rawValue])
                #expect(page.headers.first(name: "planted") == nil && !page.headers[canonicalForm: "Set-Cookie"].contains { $0.contains("planted") })
            }
            #expect(try await harness.services.store.sweep(now: .distantFuture).flows == 0)
            #expect(browser.cookie("planted") == nil)

            // A URL as RelayState travels back to the relying party and is not followed by the bridge.
            let evil = "https://evil.example/next"
            let (url, _) = try await harness.relyingParty.authnRequestURL(binding: .post, relayState: evil)
            var page = try await browser.request(try harness.url(url))
            var hops = 0
            while let location = page.headers.first(name: "Location"), hops < 20 {
                #expect(!location.hasPrefix(evil) && !location.hasPrefix("//evil"), "followed RelayState: \(location)")
                page = try await browser.request(try #require(URL(string: location, relativeTo: page.url)?.absoluteURL))
                hops += 1
            }
            #expect(page.status == 200 && page.url.path == "/start")
        }
    }

    // MARK: CSRF and sessions

    /// Login CSRF across sessions: an attacker's own valid consent form,
    /// replayed in the victim's browser, is refused; so is the victim's
    /// token in the attacker's session.
    @Test func consentTokensDoNotCrossSessions() async throws {
        try await FederationHarness.run { harness in
            let victim = harness.browser
            let app = try await harness.openIAMSmartApp(binding: .post)
            let victimApp = try #require(app.forms.first { $0.fields.contains { $0.value == "adult-basic" } })
            let victimForm = try #require(try await harness.approve(victimApp).form(action: "/consent"))

            let attacker = TestBrowser()
            let attackerHarness = FederationHarness(
                federation: harness.federation, bridgeURL: harness.bridgeURL, relyingPartyURL: harness.relyingPartyURL,
                iamSmartURL: harness.iamSmartURL, relyingParty: harness.relyingParty, iamSmart: harness.iamSmart, flow: harness.flow,
                services: harness.services, browser: attacker, secondInstanceURL: nil)
            let attackerApp = try await attackerHarness.openIAMSmartApp(binding: .post)
            let attackerChoice = try #require(attackerApp.forms.first { $0.fields.contains { $0.value == "adult-plus" } })
            let attackerForm = try #require(try await attackerHarness.approve(attackerChoice).form(action: "/consent"))

            let victimToken = try #require(victimForm.fields.first { $0.name == "csrf" }?.value)
            let attackerToken = try #require(attackerForm.fields.first { $0.name == "csrf" }?.value)
            BadInputTests.expectRefusal(try await victim.submit(attackerForm, button: "agree"), 403, .csrfInvalid)
            BadInputTests.expectRefusal(try await victim.submit(victimForm, button: "agree", overriding: ["csrf": attackerToken]), 403, .csrfInvalid)
            BadInputTests.expectRefusal(
                try await attacker.submit(attackerForm, button: "agree", overriding: ["csrf": victimToken]), 403, .csrfInvalid)
            #expect(try await harness.logEntries().isEmpty)
            await attacker.shutdown()
            // Each resident's own form still works.
            let done = try await victim.submit(victimForm, button: "agree")
            #expect(done.forms.contains { $0.action.absoluteString.hasPrefix(harness.relyingPartyURL) })
            #expect(try await harness.logEntries().count == 1)
        }
    }

    // MARK: Two instances

    /// Behind a load balancer the replay caches are one: a request or an
    /// artifact used at one instance is refused at the other.
    @Test(.enabled(if: PostgresTestServer.baseURL != nil, "scripts/test.sh starts PostgreSQL"))
    func replayAcrossTwoInstances() async throws {
        let url = ConcurrentStepTests.schemaURL(try #require(PostgresTestServer.baseURL), "replay")
        try await FederationHarness.run(storeURL: url, secondInstance: true) { harness in
            let other = try #require(harness.secondInstanceURL)
            let (request, _) = try await harness.relyingParty.authnRequestURL(binding: .artifact)
            let first = try await harness.browser.request(try harness.url(request))
            #expect(first.status == 303)
            let replay = try await harness.browser.request(ConcurrentStepTests.onInstance(try harness.url(request), other))
            BadInputTests.expectRefusal(replay, 400, .replayedRequest)

            // An artifact resolved at the first instance is unknown at the second.
            let app = try await harness.openIAMSmartApp(binding: .artifact)
            let form = try #require(app.forms.first { $0.fields.contains { $0.value == "adult-basic" } })
            let consentForm = try #require(try await harness.approve(form).form(action: "/consent"))
            let redirect = try await harness.browser.request(consentForm.action, method: .POST, form: consentForm.fields + [("decision", "agree")])
            let location = try #require(redirect.headers.first(name: "Location"))
            let artifact = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "SAMLart" }?.value)
            let rpPage = try await harness.browser.open(try harness.url(location))
            #expect(rpPage.text(id: "outcome") == "signed-in")
            let again = try await harness.browser.request(
                try harness.url(other + "/saml/artifact"), method: .POST,
                rawBody: try harness.relyingParty.artifactResolveEnvelope(artifact: artifact))
            BadInputTests.expectRefusal(again, 200, .artifactUnknown)
            #expect(try await harness.logEntries().count == 1)
        }
    }
}
