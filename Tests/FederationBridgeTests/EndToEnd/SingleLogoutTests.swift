import Foundation
import Logging
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// SAML Single Logout over HTTP with two sandbox relying parties: a
/// sign-in to each joins one IdP session; a LogoutRequest from one ends it,
/// the other is sent a signed LogoutRequest, and the first gets a signed
/// LogoutResponse. Hostile logout messages are refused and change nothing.
/// One case at a time: each runs a bridge and three peers, and the whole
/// suite at once would crowd the other end-to-end suites on a small machine.
@Suite(.serialized) struct SingleLogoutTests {
    static let secondEntityID = "https://second.partner.example.cn/sp"

    /// Runs a second sandbox relying party, registered like a real partner:
    /// its metadata signed by the federation key, and a recipient in the policy.
    static func withSecondPartner(
        _ harness: FederationHarness, _ body: @escaping @Sendable (GuangdongRelyingParty) async throws -> Void
    ) async throws {
        var configuration = try harness.federation.relyingPartyConfiguration(bridgeBaseURL: harness.bridgeURL)
        configuration.entityID = secondEntityID
        var quiet = Logger(label: "test.second-partner")
        quiet.logLevel = .critical
        let second = try GuangdongRelyingParty(configuration: configuration, logger: quiet)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await second.run() }
            defer { group.cancelAll() }
            try harness.federation.writeRelyingPartyMetadata(second, baseURL: try await second.baseURL(), fileName: "second-partner.xml")
            let policies = harness.flow.policies
            let policy = try String(contentsOf: policies.file, encoding: .utf8)
            try FederationHarness.policy(
                policy, addingRecipient: secondEntityID, legalEntity: "Second partner", filingReference: "GBA-SC-2026-0098"
            ).write(to: policies.file, atomically: true, encoding: .utf8)
            #expect(policies.reload(), "\(policies.problem ?? "")")
            harness.flow.registry.reload()
            try await body(second)
        }
    }

    /// Signs in to the harness's relying party and to `second` from one browser.
    static func signInToBoth(_ harness: FederationHarness, second: GuangdongRelyingParty, binding: RelyingPartyOutcome.Binding = .post)
        async throws -> (first: RelyingPartyOutcome, second: RelyingPartyOutcome)
    {
        let firstRun = try await harness.signIn(as: "adult-basic", binding: binding)
        // The IdP session's cookie: HttpOnly, set with the Response.
        let cookie = try #require(firstRun.deliveryPage?.headers[canonicalForm: "Set-Cookie"].first { $0.hasPrefix("fb_session_idp=") })
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"))
        let first = try #require(firstRun.outcome)
        let other = try #require(try await harness.signIn(as: "adult-basic", binding: binding, party: second).outcome)
        #expect(first.verified && other.verified, "\(first.problem ?? "") \(other.problem ?? "")")
        return (first, other)
    }

    /// Follows a logout message from a relying party through the browser to
    /// its end, submitting each POST form (the sandbox pages run no script).
    /// Returns every page on the way.
    static func follow(_ message: RelyingPartyLogoutMessage, _ harness: FederationHarness) async throws -> [TestBrowser.Page] {
        var page: TestBrowser.Page
        switch message {
        case .redirect(let url, _): page = try await harness.browser.open(try harness.url(url))
        case .post(let action, let fields, _):
            page = try await harness.browser.open(try harness.url(action), method: .POST, form: fields.map { ($0.name, $0.value) })
        }
        var pages = [page]
        while page.status == 200, let form = page.forms.first(where: { $0.fields.contains { $0.name == "SAMLRequest" || $0.name == "SAMLResponse" } })
        {
            page = try await harness.browser.submit(form)
            pages.append(page)
            guard pages.count < 10 else { break }
        }
        return pages
    }

    @Test(arguments: [MetadataEndpoint.redirectBinding, MetadataEndpoint.postBinding])
    func aLogoutFromOnePartnerEndsTheSessionAtTheOther(binding: String) async throws {
        try await FederationHarness.run { harness in
            try await Self.withSecondPartner(harness) { second in try await Self.logOutOfBoth(harness, second: second, binding: binding) }
        }
    }

    @Test(.enabled(if: PostgresTestServer.baseURL != nil, "scripts/test.sh starts PostgreSQL"))
    func singleLogoutRunsOnPostgreSQLToo() async throws {
        try await PostgresTestServer.withSchema("SLO_") { schema in
            let url = try PostgresTestServer.url(schema: schema)
            try await FederationHarness.run(storeURL: "\"\(url)\"") { harness in
                try await Self.withSecondPartner(harness) { second in
                    try await Self.logOutOfBoth(harness, second: second, binding: MetadataEndpoint.redirectBinding)
                }
            }
        }
    }

    /// Signs in to both partners, logs out from the first over `binding`, and checks every message and the store.
    static func logOutOfBoth(_ harness: FederationHarness, second: GuangdongRelyingParty, binding: String) async throws {
        let store = harness.services.store
        let (first, other) = try await Self.signInToBoth(harness, second: second)
        let firstIndex = try #require(first.sessionIndex)
        let otherIndex = try #require(other.sessionIndex)
        #expect(firstIndex != otherIndex)
        #expect(harness.browser.cookie("fb_session_idp") != nil, "the IdP session cookie is set")
        // One browser, one IdP session, both partners in it.
        let a = try #require(try await store.idpSession(sessionIndex: firstIndex, now: Date()))
        let b = try #require(try await store.idpSession(sessionIndex: otherIndex, now: Date()))
        #expect(a.key == b.key)
        #expect(a.participant.nameID == first.nameID && b.participant.nameID == other.nameID)
        #expect(first.nameID != other.nameID, "pairwise NameIDs differ per partner")

        let message = try await harness.relyingParty.logoutRequest(binding: binding)
        let pages = try await Self.follow(message, harness)
        let last = try #require(pages.last)
        #expect(last.text(id: "logout") == "logged-out", "\(pages.map { "\($0.status) \($0.url)" }) \(last.body.prefix(600))")

        // The other partner was sent a signed LogoutRequest for its session, and answered.
        let told = await second.logouts()
        #expect(told.count == 1)
        #expect(told.first?.kind == .request && told.first?.verified == true, "\(told.first?.problem ?? "")")
        #expect(told.first?.binding == binding)
        #expect(told.first?.nameID == other.nameID && told.first?.sessionIndexes == [otherIndex])
        #expect(await second.sessions().isEmpty)
        // The first got a signed LogoutResponse to its request: Success.
        let answered = await harness.relyingParty.logouts()
        #expect(answered.count == 1)
        #expect(answered.first?.kind == .response && answered.first?.verified == true, "\(answered.first?.problem ?? "")")
        #expect(answered.first?.isSuccess == true && answered.first?.subStatusCode == nil)
        #expect(answered.first?.inResponseTo == message.requestID)
        #expect(harness.browser.cookie("fb_session_idp") == nil, "the IdP session cookie is removed")
        if binding == MetadataEndpoint.postBinding { try await checkWithXMLSec1(pages, harness) }
        // The session is gone.
        #expect(try await store.idpSession(sessionIndex: firstIndex, now: Date()) == nil)
        #expect(try await store.idpSession(sessionIndex: otherIndex, now: Date()) == nil)
        #expect(try await store.endIdPSession(key: a.key, now: Date()).isEmpty)
    }

    /// xmlsec1 verifies the enveloped signatures of the bridge's HTTP-POST
    /// logout messages (the LogoutRequest to the other partner, the
    /// LogoutResponse to the first) with our signing certificate.
    static func checkWithXMLSec1(_ pages: [TestBrowser.Page], _ harness: FederationHarness) async throws {
        guard let xmlsec = ExternalToolTests.tool("xmlsec1") else { return }
        let sent = pages.filter { $0.url.absoluteString.hasPrefix(harness.bridgeURL) }.flatMap(\.forms).flatMap(\.fields)
            .filter { $0.name == "SAMLRequest" || $0.name == "SAMLResponse" }
        #expect(sent.map(\.name) == ["SAMLRequest", "SAMLResponse"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fb-slo-xmlsec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cert = harness.federation.url("keys/bridge-signing-cert.pem").path
        for (name, value) in sent {
            let file = folder.appendingPathComponent("\(name).xml")
            try #require(Data(base64Encoded: value)).write(to: file)
            let element = name == "SAMLRequest" ? "LogoutRequest" : "LogoutResponse"
            let arguments = ["--verify", "--pubkey-cert-pem", cert, "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:\(element)", file.path]
            // Off the cooperative pool: the tool is waited for synchronously.
            let verified = try await Task.detached { try ExternalToolTests.run(xmlsec, arguments) }.value
            #expect(verified.status == 0, "xmlsec1 on the \(element): \(verified.output)")
        }
    }

    @Test func aPartnerWithoutSingleLogoutServiceMakesItPartial() async throws {
        try await FederationHarness.run { harness in
            try await Self.withSecondPartner(harness) { second in
                _ = try await Self.signInToBoth(harness, second: second)
                // The second partner's metadata now lists no SingleLogoutService.
                var writer = second.metadataWriter(baseURL: try await second.baseURL())
                writer.singleLogoutServices = []
                let signer = EnvelopedSigner(key: try SigningKey(pem: try harness.federation.text("keys/federation-key.pem")))
                try writer.signedXML(signer).write(to: harness.federation.url("metadata/second-partner.xml"), options: .atomic)
                harness.flow.registry.reload()

                let pages = try await Self.follow(try await harness.relyingParty.logoutRequest(), harness)
                #expect(pages.last?.text(id: "logout") == "logged-out")
                #expect(await second.logouts().isEmpty, "nothing can be sent to it")
                let answered = try #require(await harness.relyingParty.logouts().first)
                #expect(answered.verified && answered.isSuccess && answered.subStatusCode == SAMLStatus.partialLogout)
            }
        }
    }

    @Test func theMetadataAdvertisesSingleLogoutForBothBindings() async throws {
        try await FederationHarness.run { harness in
            let page = try await harness.browser.request(try harness.url(harness.bridgeURL + "/saml/metadata"))
            let document = try XMLDocument(parsing: Data(page.body.utf8))
            let idp = try #require(document.root.firstChild("IDPSSODescriptor", in: XMLNamespaces.md))
            let slo = idp.children("SingleLogoutService", in: XMLNamespaces.md).map {
                ($0.attribute("Binding") ?? "", $0.attribute("Location") ?? "")
            }
            #expect(slo.map(\.0) == [MetadataEndpoint.redirectBinding, MetadataEndpoint.postBinding])
            #expect(slo.allSatisfy { $0.1 == harness.bridgeURL + "/saml/slo" })
        }
    }

    /// What a hostile LogoutRequest is, as overrides on an otherwise good one.
    enum Hostile: String, CaseIterable, Sendable {
        case unsigned, wrongKey, wrongDestination, stale, unknownSessionIndex, nameIDOfAnotherPartner

        var expectedCode: String {
            switch self {
            case .unsigned: "unsigned-request"
            case .wrongKey: "bad-signature"
            case .wrongDestination: "wrong-destination"
            case .stale: "stale-request"
            case .unknownSessionIndex: "unknown-session"
            case .nameIDOfAnotherPartner: "name-id-mismatch"
            }
        }

        /// Refused before the partner is verified: an error page only. After: also a signed LogoutResponse to the partner.
        var answersThePartner: Bool { self == .unknownSessionIndex || self == .nameIDOfAnotherPartner }
    }

    @Test(arguments: Hostile.allCases, [MetadataEndpoint.redirectBinding, MetadataEndpoint.postBinding])
    func aHostileLogoutRequestIsRefusedAndChangesNothing(_ hostile: Hostile, binding: String) async throws {
        try await FederationHarness.run { harness in
            try await Self.withSecondPartner(harness) { second in
                let store = harness.services.store
                let (first, other) = try await Self.signInToBoth(harness, second: second)
                let index = try #require(first.sessionIndex)
                var overrides = GuangdongRelyingParty.LogoutOverrides(nameID: first.nameID, sessionIndex: index)
                switch hostile {
                case .unsigned: overrides.unsigned = true
                case .wrongKey: overrides.signingKey = try SigningKey(pem: try harness.federation.text("keys/federation-key.pem"))
                case .wrongDestination: overrides.destination = harness.bridgeURL + "/saml/sso"
                case .stale: overrides.issueInstant = Date().addingTimeInterval(-3600)
                case .unknownSessionIndex: overrides.sessionIndex = SAMLIdentifier.make()
                case .nameIDOfAnotherPartner: overrides.nameID = other.nameID
                }
                let message = try await harness.relyingParty.logoutRequest(binding: binding, overrides: overrides)
                let page = try await Self.sendOnce(message, harness)
                #expect(page.errorCode == hostile.expectedCode, "\(page.status) \(page.body.prefix(300))")
                #expect(page.status >= 400)
                let answer = page.forms.first { $0.fields.contains { $0.name == "SAMLResponse" } }
                if hostile.answersThePartner {
                    // The refusal also goes to the partner, signed, as a LogoutResponse.
                    let form = try #require(answer)
                    #expect(form.action.absoluteString == (try await harness.relyingParty.baseURL()) + "/slo")
                    _ = try await harness.browser.submit(form)
                    let told = try #require(await harness.relyingParty.logouts().last)
                    #expect(told.verified && told.statusCode == SAMLStatus.requester && told.subStatusCode == SAMLStatus.unknownPrincipal)
                } else {
                    #expect(answer == nil)
                }
                // Nothing changed: both parts of the session are there, and the other partner was told nothing.
                #expect(try await store.idpSession(sessionIndex: index, now: Date()) != nil)
                #expect(try await store.idpSession(sessionIndex: try #require(other.sessionIndex), now: Date()) != nil)
                #expect(await second.logouts().isEmpty)
            }
        }
    }

    @Test func aReplayedLogoutRequestIsRefusedAndChangesNothing() async throws {
        try await FederationHarness.run { harness in
            let store = harness.services.store
            let first = try #require(try await harness.signIn(as: "adult-basic", binding: .post).outcome)
            let index = try #require(first.sessionIndex)
            // A request ID the bridge has seen (here on a request it refused) cannot come again.
            let id = SAMLIdentifier.make()
            let seen = try await harness.relyingParty.logoutRequest(
                overrides: .init(id: id, nameID: first.nameID, sessionIndex: SAMLIdentifier.make()))
            #expect(try await Self.sendOnce(seen, harness).errorCode == "unknown-session")
            let replayed = try await harness.relyingParty.logoutRequest(overrides: .init(id: id, nameID: first.nameID, sessionIndex: index))
            let page = try await Self.sendOnce(replayed, harness)
            #expect(page.errorCode == "replayed-request" && page.status == 400, "\(page.status)")
            #expect(try await store.idpSession(sessionIndex: index, now: Date()) != nil)
            // A fresh request for the same session is still accepted.
            let pages = try await Self.follow(
                try await harness.relyingParty.logoutRequest(sessionIndex: index, overrides: .init(nameID: first.nameID)), harness)
            #expect(pages.last?.text(id: "logout") == "logged-out")
            #expect(try await store.idpSession(sessionIndex: index, now: Date()) == nil)
        }
    }

    @Test func aLogoutResponseNotAwaitedIsRefused() async throws {
        try await FederationHarness.run { harness in
            // A signed LogoutResponse naming no logout under way: refused, with its code.
            let response = LogoutResponse(
                inResponseTo: SAMLIdentifier.make(), destination: harness.bridgeURL + "/saml/slo", issuer: harness.federation.relyingPartyEntityID)
            let query = try RedirectBinding.encode(
                Data(response.builder.xmlString().utf8), parameter: "SAMLResponse", relayState: "slo-aaaaaaaaaaaaaaaaaaaaaaaaaa",
                key: try SigningKey(pem: try harness.federation.text("keys/rp-signing-key.pem")))
            let page = try await harness.browser.request(try harness.url(harness.bridgeURL + "/saml/slo?" + query))
            #expect(page.status == 400 && page.errorCode == "unknown-state")
        }
    }

    /// Runs `Tests/Fixtures/partners/slo_peer.py` (pysaml2) with `arguments`; its JSON answer.
    static func pysaml2(_ arguments: [String: Any]) async throws -> Any {
        let python = try #require(ExternalToolTests.tool("python3"))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/partners/slo_peer.py").path
        let json = String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self)
        let (status, output) = try await Task.detached { try ExternalToolTests.run(python, [script, json]) }.value
        try #require(status == 0, "pysaml2 (python3-pysaml2, installed by scripts/test.sh): \(output)")
        let line = try #require(output.split(separator: "\n").last.map(String.init))
        return try JSONSerialization.jsonObject(with: Data(line.utf8))
    }

    /// pysaml2, an independent implementation, as the first partner: its
    /// signed LogoutRequest is accepted, and it verifies the signatures of
    /// the LogoutRequest we send the other partner and of our LogoutResponse.
    @Test(
        .enabled(if: ExternalToolTests.tool("python3") != nil, "python3 and python3-pysaml2 are installed by scripts/test.sh"),
        arguments: ["redirect", "post"])
    func pysaml2LogsOutAndVerifiesOurMessages(binding: String) async throws {
        try await FederationHarness.run { harness in
            try await Self.withSecondPartner(harness) { second in
                let (first, other) = try await Self.signInToBoth(harness, second: second)
                let federation = harness.federation
                let metadata = federation.url("bridge-idp-metadata.xml")
                try Data(try await harness.browser.request(try harness.url(harness.bridgeURL + "/saml/metadata")).body.utf8).write(to: metadata)
                let common: [String: Any] = [
                    "idpMetadata": metadata.path, "idpCertificate": federation.url("keys/bridge-signing-cert.pem").path,
                    "key": federation.url("keys/rp-signing-key.pem").path, "cert": federation.url("keys/rp-signing-cert.pem").path,
                ]
                let firstURL = try await harness.relyingParty.baseURL()
                let secondURL = try await second.baseURL()
                let asFirst = common.merging(["entityID": federation.relyingPartyEntityID, "sloURL": firstURL + "/slo"]) { $1 }
                let asSecond = common.merging(["entityID": Self.secondEntityID, "sloURL": secondURL + "/slo"]) { $1 }
                let nameID = try #require(first.nameID)
                let sessionIndex = try #require(first.sessionIndex)
                let made = try #require(
                    try await Self.pysaml2(
                        asFirst.merging([
                            "command": "request", "binding": binding, "destination": harness.bridgeURL + "/saml/slo",
                            "idpEntityID": federation.bridgeEntityID, "nameID": nameID,
                            "sessionIndex": sessionIndex, "relayState": "pysaml2-relay",
                        ]) { $1 }) as? [String: String])
                let requestID = try #require(made["id"])

                // Through the browser; the bridge's two messages are kept for pysaml2.
                var toSecond: [String: String]
                var toFirst: [String: String]
                if binding == "redirect" {
                    let answer = try await harness.browser.request(try harness.url(try #require(made["url"])))
                    let location = try #require(
                        answer.headers.first(name: "Location"), "\(answer.status) \(answer.errorCode ?? "") \(answer.body.prefix(300))")
                    toSecond = ["binding": "redirect", "query": try #require(URLComponents(string: location)?.percentEncodedQuery)]
                    let last = try await harness.browser.open(try harness.url(location))
                    #expect(last.url.absoluteString.hasPrefix(firstURL + "/slo?"))
                    toFirst = [
                        "binding": "redirect",
                        "query": try #require(URLComponents(url: last.url, resolvingAgainstBaseURL: false)?.percentEncodedQuery),
                    ]
                } else {
                    let fields = [(name: "SAMLRequest", value: try #require(made["SAMLRequest"])), (name: "RelayState", value: "pysaml2-relay")]
                    let pages = try await Self.follow(.post(action: harness.bridgeURL + "/saml/slo", fields: fields, requestID: requestID), harness)
                    let sent = pages.filter { $0.url.absoluteString.hasPrefix(harness.bridgeURL) }.flatMap(\.forms).flatMap(\.fields)
                        .filter { $0.name == "SAMLRequest" || $0.name == "SAMLResponse" }
                    try #require(sent.count == 2, "\(pages.map { "\($0.status) \($0.url) \($0.errorCode ?? "")" })")
                    toSecond = ["binding": "post", "parameter": sent[0].name, "value": sent[0].value]
                    toFirst = ["binding": "post", "parameter": sent[1].name, "value": sent[1].value]
                }
                let request = try #require(
                    (try await Self.pysaml2(asSecond.merging(["command": "verify", "messages": [toSecond]]) { $1 }) as? [[String: Any]])?.first)
                #expect(request["signatureValid"] as? Bool == true && request["kind"] as? String == "LogoutRequest")
                #expect(request["issuer"] as? String == federation.bridgeEntityID)
                #expect(request["nameID"] as? String == other.nameID && request["sessionIndexes"] as? [String] == [other.sessionIndex ?? ""])
                let response = try #require(
                    (try await Self.pysaml2(asFirst.merging(["command": "verify", "messages": [toFirst]]) { $1 }) as? [[String: Any]])?.first)
                #expect(response["signatureValid"] as? Bool == true && response["kind"] as? String == "LogoutResponse")
                #expect(response["status"] as? String == SAMLStatus.success && response["inResponseTo"] as? String == requestID)
                #expect(try await harness.services.store.idpSession(sessionIndex: sessionIndex, now: Date()) == nil)
                #expect(await second.sessions().isEmpty)
            }
        }
    }

    /// Sends a logout message to the bridge and returns its answer unfollowed.
    static func sendOnce(_ message: RelyingPartyLogoutMessage, _ harness: FederationHarness) async throws -> TestBrowser.Page {
        switch message {
        case .redirect(let url, _): return try await harness.browser.request(try harness.url(url))
        case .post(let action, let fields, _):
            return try await harness.browser.request(try harness.url(action), method: .POST, form: fields.map { ($0.name, $0.value) })
        }
    }
}
