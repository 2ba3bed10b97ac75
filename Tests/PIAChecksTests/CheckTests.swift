import Foundation
import Testing

@testable import PIAChecks

/// A named change to the good request that one check must refuse.
struct Breakage: Sendable, CustomTestStringConvertible {
    var check: String
    var name: String
    var change: @Sendable (inout TransferRequest) -> Void
    var context = CheckContext()

    var testDescription: String { "\(check): \(name)" }
}

@Suite("Checks")
struct CheckTests {
    static let breakages: [Breakage] = [
        Breakage(check: "recipient.registered", name: "unknown recipient") {
            $0.recipientEntityID = "https://evil.example/saml"
            $0.consent?.recipientEntityID = "https://evil.example/saml"
        },
        Breakage(check: "recipient.registered", name: "outside the GBA") {
            $0.recipientEntityID = "https://rp.beijing.example.cn/saml"
            $0.consent?.recipientEntityID = "https://rp.beijing.example.cn/saml"
        },
        Breakage(check: "recipient.registered", name: "onward transfer not excluded") {
            $0.recipientEntityID = "https://rp.onward.example.cn/saml"
            $0.consent?.recipientEntityID = "https://rp.onward.example.cn/saml"
        },
        Breakage(check: "recipient.registered", name: "contract filed after now") {
            $0.now = Date(timeIntervalSince1970: 1_700_000_000)
            $0.consent?.givenAt = $0.now
        },
        Breakage(check: "purpose.registered", name: "unregistered purpose") {
            $0.purposeID = "marketing"
            $0.requestedPurposeID = "marketing"
        },
        Breakage(check: "purpose.registered", name: "not the requested purpose") { $0.requestedPurposeID = "minor-library-card" },
        Breakage(check: "minimisation", name: "attribute not allowed") {
            $0.released.append(ReleasedAttribute(name: "emailAddress"))
            $0.requestedAttributes.insert("emailAddress")
        },
        Breakage(check: "minimisation", name: "required transform missing") {
            $0.released[2] = ReleasedAttribute(name: "ageOver18", transforms: [])
        },
        Breakage(check: "minimisation", name: "not requested by the relying party") { $0.requestedAttributes.remove("cn") },
        Breakage(check: "minimisation", name: "same attribute twice") {
            $0.released.append(ReleasedAttribute(name: "uid", transforms: ["pairwise-id"]))
        },
        Breakage(check: "consent.separate", name: "no consent") { $0.consent = nil },
        Breakage(check: "consent.separate", name: "consent for another recipient") { $0.consent?.recipientEntityID = "https://other.example" },
        Breakage(check: "consent.separate", name: "consent for another purpose") { $0.consent?.purposeID = "minor-library-card" },
        Breakage(check: "consent.separate", name: "consent for fewer attributes") { $0.consent?.attributes.remove("cn") },
        Breakage(check: "consent.separate", name: "consent for more attributes") { $0.consent?.attributes.insert("idcardnumber") },
        Breakage(check: "consent.separate", name: "consent too old") { $0.consent?.givenAt = $0.now.addingTimeInterval(-601) },
        Breakage(check: "consent.separate", name: "consent in the future") { $0.consent?.givenAt = $0.now.addingTimeInterval(3600) },
        Breakage(check: "consent.separate", name: "unknown consent text version") { $0.consent?.textVersion = "consent-v0" },
        Breakage(check: "legal-basis", name: "consent basis without consent") { $0.consent = nil },
        Breakage(check: "assurance", name: "low assurance") { $0.assurance = .low },
        Breakage(check: "age-eligibility", name: "under 18") { $0.subjectAgeYears = 17 },
        Breakage(check: "age-eligibility", name: "age unknown") { $0.subjectAgeYears = nil },
        Breakage(check: "age-eligibility", name: "negative age") { $0.subjectAgeYears = -1 },
        Breakage(check: "sensitive-attributes", name: "ID number for a purpose that does not name it") {
            $0.released.append(ReleasedAttribute(name: "idcardnumber"))
            $0.requestedAttributes.insert("idcardnumber")
        },
        Breakage(check: "sensitive-attributes", name: "raw birth date") {
            $0.released.append(ReleasedAttribute(name: "birthDate"))
        },
        Breakage(check: "encryption", name: "not encrypted") { $0.encryptedToRecipient = false },
        Breakage(check: "retention", name: "recipient keeps data longer than the purpose allows") {
            $0.recipientEntityID = "https://rp.onward.example.cn/saml"
        },
        Breakage(
            check: "volume", name: "hourly bound reached", change: { _ in },
            context: CheckContext(currentHourTransfers: 100, recentHourlyTransfers: [90, 95, 99, 100])),
        Breakage(
            check: "volume", name: "burst far above the recent mean", change: { _ in },
            context: CheckContext(currentHourTransfers: 40, recentHourlyTransfers: [2, 3, 1, 2])),
        Breakage(
            check: "volume", name: "history unreadable", change: { _ in },
            context: CheckContext(historyAvailable: false)),
    ]

    @Test("the good request passes every check and may transfer")
    func allPass() throws {
        let verdict = PIAEvaluator(policy: try Fixtures.policy()).evaluate(
            Fixtures.request(), context: CheckContext(currentHourTransfers: 5, recentHourlyTransfers: [4, 6, 5, 5]))
        #expect(verdict.failures == [])
        #expect(verdict.results.count == PIAEvaluator.standardChecks.count)
        #expect(Set(verdict.results.map(\.id)).count == verdict.results.count)
        #expect(verdict.decision == .transfer)
    }

    @Test("each check fails on its purpose-built case", arguments: breakages)
    func eachCheckFails(breakage: Breakage) throws {
        let policy = try Fixtures.policy()
        var request = Fixtures.request()
        breakage.change(&request)
        let check = try #require(PIAEvaluator.standardChecks.first { $0.id == breakage.check })
        let result = check.evaluate(request, policy: policy, context: breakage.context)
        #expect(!result.passed, "\(breakage.name) passed \(breakage.check): \(result.reason)")
        #expect(result.id == breakage.check)
        #expect(!result.reason.isEmpty)
        let verdict = PIAEvaluator(policy: policy).evaluate(request, context: breakage.context)
        #expect(verdict.decision == .refused)
        #expect(verdict.failures.contains { $0.id == breakage.check })
        // Every check still runs, so the log records the whole picture.
        #expect(verdict.results.count == PIAEvaluator.standardChecks.count)
    }

    @Test("each check passes on the good request", arguments: PIAEvaluator.standardChecks.map(\.id))
    func eachCheckPasses(id: String) throws {
        let check = try #require(PIAEvaluator.standardChecks.first { $0.id == id })
        let result = check.evaluate(Fixtures.request(), policy: try Fixtures.policy(), context: CheckContext())
        #expect(result.passed, "\(id): \(result.reason)")
    }

    @Test("a purpose that allows minors and names the ID number as sensitive passes those checks")
    func policyCanAllowMinorsAndSensitive() throws {
        let policy = try Fixtures.policy()
        var request = Fixtures.request()
        request.purposeID = "minor-library-card"
        request.requestedPurposeID = "minor-library-card"
        request.released = [ReleasedAttribute(name: "uid"), ReleasedAttribute(name: "idcardnumber")]
        request.requestedAttributes = ["uid", "idcardnumber"]
        request.consent = ConsentRecord(
            recipientEntityID: Fixtures.recipient, purposeID: "minor-library-card", attributes: ["uid", "idcardnumber"],
            givenAt: Fixtures.now, textVersion: "consent-v1")
        request.subjectAgeYears = 12
        request.assurance = .low
        request.encryptedToRecipient = false
        let verdict = PIAEvaluator(policy: policy).evaluate(request, context: CheckContext())
        #expect(verdict.failures == [])
        request.subjectAgeYears = 10
        #expect(PIAEvaluator(policy: policy).evaluate(request, context: CheckContext()).failures.map(\.id) == ["age-eligibility"])
    }

    @Test("a verdict with no checks never allows transfer")
    func emptyVerdict() {
        #expect(!Verdict(results: []).allowsTransfer)
    }

    @Test("reasons carry no personal data from the request")
    func reasonsAreClean() throws {
        var request = Fixtures.request()
        request.subjectAgeYears = 16
        let verdict = PIAEvaluator(policy: try Fixtures.policy()).evaluate(request, context: CheckContext())
        let reasons = verdict.results.map(\.reason).joined(separator: " ")
        #expect(!reasons.contains("16"))
    }

    @Test("the evaluator reads volume from the log and fails closed when it cannot")
    func evaluatorUsesHistory() async throws {
        struct Fixed: TransferHistory {
            var counts: HourlyCounts?
            func hourlyTransferCounts(recipient: String, hours: Int, now: Date) async throws -> HourlyCounts {
                guard let counts else { throw TransferLogError.storeUnavailable("down") }
                return counts
            }
        }
        let evaluator = PIAEvaluator(policy: try Fixtures.policy())
        let calm = await evaluator.evaluate(Fixtures.request(), log: Fixed(counts: HourlyCounts(current: 3, previous: [3, 3, 3, 3])))
        #expect(calm.allowsTransfer)
        let burst = await evaluator.evaluate(Fixtures.request(), log: Fixed(counts: HourlyCounts(current: 60, previous: [3, 3, 3, 3])))
        #expect(burst.failures.map(\.id) == ["volume"])
        let down = await evaluator.evaluate(Fixtures.request(), log: Fixed(counts: nil))
        #expect(down.failures.map(\.id) == ["volume"])
    }
}
