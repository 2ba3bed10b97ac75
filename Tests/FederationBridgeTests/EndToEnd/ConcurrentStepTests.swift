import Foundation
import PIAChecks
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// Two requests for the same step of one flow, sent together as a
/// double-clicking resident or an attacker would: exactly one proceeds, the
/// other gets `unexpected-step` and logs nothing, every round, on both
/// stores and across two instances sharing one PostgreSQL.
@Suite(.serialized) struct ConcurrentStepTests {
    static let rounds = 50
    static let postgres = ProcessInfo.processInfo.environment["FB_TEST_POSTGRES_URL"]

    enum Pair: String, CaseIterable { case agreeAgree, agreeDecline, callbackCallback }

    /// The same URL on the other instance, when there is one (same host: the browser's cookies go to both).
    static func onInstance(_ url: URL, _ base: String?) -> URL {
        guard let base, var components = URLComponents(url: url, resolvingAgainstBaseURL: true), let other = URLComponents(string: base) else {
            return url
        }
        components.port = other.port
        return components.url ?? url
    }

    /// A schema of its own, quoted for the YAML configuration.
    static func schemaURL(_ base: String, _ name: String) -> String {
        "\"\(base)?schema=\(name)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())\""
    }

    func race(_ pair: Pair, harness: FederationHarness, round: Int) async throws {
        let browser = harness.browser
        let binding: RelyingPartyOutcome.Binding = round.isMultiple(of: 2) ? .post : .artifact
        let entriesBefore = try await harness.logEntries().count
        let outcomesBefore = await harness.relyingParty.outcomes().count
        let pages: [TestBrowser.Page]
        switch pair {
        case .agreeAgree, .agreeDecline:
            let (_, form) = try await harness.reachConsent(as: "adult-basic", binding: binding)
            let second = pair == .agreeAgree ? "agree" : "decline"
            let fields: [(String, String)] = form.fields.map { ($0.name, $0.value) }
            let action = form.action
            let other = Self.onInstance(action, harness.secondInstanceURL)
            pages = try await withThrowingTaskGroup(of: TestBrowser.Page.self) { group in
                group.addTask { try await browser.request(action, method: .POST, form: fields + [("decision", "agree")]) }
                group.addTask { try await browser.request(other, method: .POST, form: fields + [("decision", second)]) }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        case .callbackCallback:
            let app = try await harness.openIAMSmartApp(binding: binding)
            let isResident: (TestBrowser.Form) -> Bool = { form in
                form.fields.contains { field in field.name == "resident" && field.value == "adult-basic" }
            }
            let form = try #require(app.forms.first(where: isResident))
            var fields: [(String, String)] = form.fields.map { ($0.name, $0.value) }
            if let button = form.buttons.first(where: { $0.value == "approve" }), let name = button.name { fields.append((name, "approve")) }
            let approved = try await browser.request(form.action, method: .POST, form: fields)
            let location = try #require(approved.headers.first(name: "Location"), "the sandbox app redirects to the callback")
            let callback = try #require(URL(string: location, relativeTo: approved.url)?.absoluteURL)
            let other = Self.onInstance(callback, harness.secondInstanceURL)
            pages = try await withThrowingTaskGroup(of: TestBrowser.Page.self) { group in
                group.addTask { try await browser.request(callback) }
                group.addTask { try await browser.request(other) }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        let losers = pages.filter { $0.errorCode == FlowError.Code.unexpectedStep.rawValue }
        #expect(losers.count == 1, "\(pair) round \(round): exactly one request proceeds: \(pages.map { "\($0.status) \($0.errorCode ?? "")" })")
        #expect(losers.first?.status == 409)
        guard let winner = pages.first(where: { $0.errorCode == nil }) else {
            let detail: (TestBrowser.Page) -> String = { page in
                page.body.range(of: "iAM Smart step failed[^<]*", options: .regularExpression).map { String(page.body[$0]) } ?? ""
            }
            Issue.record("\(pair) round \(round): no request proceeded: \(pages.map { "\($0.status) \($0.errorCode ?? "") \(detail($0))" })")
            return
        }
        if pair == .callbackCallback {
            #expect(winner.status == 303 && winner.headers.first(name: "Location") == "/approval")
            #expect(try await harness.logEntries().count == entriesBefore, "a callback logs nothing")
            return
        }
        // The winner's answer reaches the RP once; the loser sent nothing anywhere.
        if winner.status == 303, let location = winner.headers.first(name: "Location"), let url = URL(string: location) {
            _ = try await browser.open(url)
        } else if let back = winner.forms.first(where: { $0.action.absoluteString.hasPrefix(harness.relyingPartyURL) }) {
            _ = try await browser.submit(back)
        }
        let entries = try await harness.logEntries()
        #expect(entries.count == entriesBefore + 1, "\(pair) round \(round): exactly one log entry per flow")
        let outcomes = await harness.relyingParty.outcomes()
        #expect(outcomes.count == outcomesBefore + 1, "\(pair) round \(round): one answer reached the RP")
        let assertions = outcomes.dropFirst(outcomesBefore).filter(\.isSuccess).count
        #expect(assertions <= 1, "at most one Assertion per flow")
        if let entry = entries.last {
            #expect((entry.decision == "transfer") == (assertions == 1), "an Assertion only with a transfer entry")
        }
    }

    @Test(arguments: Pair.allCases)
    func sqliteStore(pair: Pair) async throws {
        try await FederationHarness.run { harness in
            for round in 0..<Self.rounds { try await race(pair, harness: harness, round: round) }
            #expect(try await harness.flow.transferLog.verify().entries == (pair == .callbackCallback ? 0 : Self.rounds))
        }
    }

    @Test(.enabled(if: postgres != nil, "scripts/test.sh starts PostgreSQL"), arguments: Pair.allCases)
    func twoInstancesOnOnePostgreSQL(pair: Pair) async throws {
        let url = Self.schemaURL(try #require(Self.postgres), "race")
        try await FederationHarness.run(storeURL: url, secondInstance: true) { harness in
            #expect(harness.secondInstanceURL != nil)
            for round in 0..<Self.rounds { try await race(pair, harness: harness, round: round) }
            #expect(try await harness.flow.transferLog.verify().entries == (pair == .callbackCallback ? 0 : Self.rounds))
        }
    }
}
