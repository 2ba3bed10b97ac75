import Foundation
import Testing

@testable import FederationBridge

/// The reference on a resident's error or return page, for a failure that
/// never reached the transfer log, is found by the reviewer search on
/// SQLite and on PostgreSQL; what is kept is pseudonymous only.
@Suite(.serialized) struct FailureReferenceTests {
    static let reviewer = "Basic " + Data("reviewer:reviewer-demo".utf8).base64EncodedString()

    @Test func aFailureReferenceIsFoundByTheReviewerOnSQLite() async throws {
        try await FederationHarness.run(allPages: true) { harness in try await Self.failAndSearch(harness) }
    }

    @Test(.enabled(if: PostgresTestServer.baseURL != nil, "scripts/test.sh starts PostgreSQL"))
    func aFailureReferenceIsFoundByTheReviewerOnPostgreSQL() async throws {
        try await PostgresTestServer.withSchema("Failures_") { schema in
            let url = try PostgresTestServer.url(schema: schema)
            try await FederationHarness.run(storeURL: "\"\(url)\"", allPages: true) { harness in try await Self.failAndSearch(harness) }
        }
    }

    /// A store that cannot take the record changes nothing the resident sees.
    @Test func aFailureRecordThatCannotBeWrittenLeavesThePageAsItWas() async throws {
        try await FederationHarness.run(allPages: true) { harness in
            guard case .sqlite(let path) = harness.services.configuration.store else {
                Issue.record("the harness uses SQLite by default")
                return
            }
            try SQLiteTamper.run(path: path.path, sql: "DROP TABLE failure_record")
            let unknown = try await harness.relyingParty.authnRequestURL(
                binding: .post, overrides: .init(issuer: "https://unknown.example/sp"))
            let page = try await harness.browser.request(try harness.url(unknown.url))
            #expect(page.status == 403 && page.errorCode == FlowError.Code.unknownIssuer.rawValue)
            let reference = try #require(page.text(id: "reference"))
            #expect(!reference.isEmpty)
            // The search still answers from the log, and says the kept failures cannot be read.
            let search = try await Self.search(harness, "reference=\(reference)")
            #expect(search.status == 200 && search.body.contains("id=\"failures-unreadable\""))
            // And a whole sign-in still works.
            #expect(try await harness.signIn(as: "adult-basic", binding: .post).outcome?.isSuccess == true)
        }
    }

    static func search(_ harness: FederationHarness, _ query: String) async throws -> TestBrowser.Page {
        try await harness.browser.request(
            try harness.url(harness.bridgeURL + "/review/entries?" + query), headers: [("Authorization", reviewer)])
    }

    static func failAndSearch(_ harness: FederationHarness) async throws {
        // A refused AuthnRequest: the error page's reference is a request ID.
        let unknown = try await harness.relyingParty.authnRequestURL(binding: .post, overrides: .init(issuer: "https://unknown.example/sp"))
        let refused = try await harness.browser.request(try harness.url(unknown.url))
        #expect(refused.status == 403)
        let requestReference = try #require(refused.text(id: "reference"))

        // A data request declined in the iAM Smart app: the return page's reference is the flow's.
        let app = try await harness.openIAMSmartApp(binding: .post)
        let form = try #require(app.forms.first { $0.fields.contains { $0.name == "resident" && $0.value == "adult-basic" } })
        let waiting = try await harness.browser.submit(form, button: "approve")
        #expect(waiting.url.path == "/approval")
        let declined = try await harness.answerDataRequest(from: waiting, approve: false)
        let flowReference = try #require(declined.text(id: "reference"))
        #expect(FlowID(flowReference) != nil)
        #expect(try await harness.logEntries().isEmpty, "neither failure reached the transfer log")

        let byRequest = try await search(harness, "reference=\(requestReference)")
        #expect(byRequest.status == 200)
        let section = try #require(byRequest.body.components(separatedBy: "id=\"failures\"").dropFirst().first)
        #expect(section.contains(FlowError.Code.unknownIssuer.rawValue))
        #expect(section.contains("not in the partner metadata"))
        #expect(section.contains(requestReference) && !section.contains("unknown.example"))
        #expect(byRequest.body.contains("<b>0</b> entries match"))

        for query in ["reference=\(flowReference)", "flow=\(flowReference)", "reference=\(flowReference.uppercased())"] {
            let byFlow = try await search(harness, query)
            #expect(byFlow.status == 200, "\(query)")
            #expect(byFlow.body.contains("<code>data-declined</code>"), "\(query)")
            #expect(byFlow.body.contains("declined the data request") && byFlow.body.contains(harness.federation.relyingPartyEntityID), "\(query)")
        }

        // An unknown but well-formed reference: searched, nothing kept.
        let nothing = try await search(harness, "reference=0123456789abcdef0123456789abcdef")
        #expect(nothing.status == 200 && nothing.body.contains("id=\"no-failures\""))

        // Hostile input is refused before any query, and never echoed unescaped.
        for hostile in ["%27%20OR%20%271%27%3D%271", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "fl-%00", String(repeating: "a", count: 600)] {
            let page = try await search(harness, "reference=\(hostile)")
            #expect(page.status == 400, "\(hostile): HTTP \(page.status)")
            #expect(!page.body.contains("<script>alert"))
        }

        // What is kept: pseudonymous fields only.
        let store = harness.services.store
        let kept =
            try await store.failures(reference: requestReference, now: Date(), limit: 10)
            + store.failures(reference: flowReference, now: Date(), limit: 10)
        #expect(kept.map(\.code).sorted() == ["data-declined", FlowError.Code.unknownIssuer.rawValue])
        for record in kept {
            #expect(FailureRecord.isReference(record.reference))
            #expect(record.flowReference == nil || FlowID(record.flowReference ?? "") != nil)
            #expect(record.partner == nil || record.partner == harness.federation.relyingPartyEntityID)
            let text = "\(record)"
            for personal in ["SANDBOX", "沙盒", "Z900001", "19850312", "55500001", "basic.adult@", "unknown.example"] {
                #expect(!text.contains(personal), "\(personal) kept in a failure record")
            }
        }
        #expect(try await store.failures(reference: "' OR '1'='1", now: Date(), limit: 10).isEmpty)
    }
}
