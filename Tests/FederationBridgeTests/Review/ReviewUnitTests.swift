import Foundation
import PIAChecks
import Testing

@testable import FederationBridge

/// The small pieces the pages are built from.
@Suite struct ReviewUnitTests {
    @Test func csvFieldsAreQuotedAndFormulasDefused() {
        #expect(ReviewExport.csvField("plain") == "plain")
        #expect(ReviewExport.csvField("a,b") == "\"a,b\"")
        #expect(ReviewExport.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ReviewExport.csvField("line\nbreak") == "\"line\nbreak\"")
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            #expect(ReviewExport.csvField(formula).hasPrefix("'") || ReviewExport.csvField(formula).hasPrefix("\"'"), "\(formula)")
        }
    }

    @Test func svgTextIsEscaped() {
        let chart = ReviewChart.horizontal(title: "t", bars: [.init(label: "<a href='x'>&</a>", transfers: 1, refusals: 2)])
        #expect(!chart.contains("<a href"))
        #expect(chart.contains("&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;: 1 transferred, 2 refused"))
        #expect(!ReviewChart.timeline(title: "\"><script>", bars: []).contains("<script>"))
    }

    @Test func timelineBucketsByHourThenByDay() {
        let base = Date(timeIntervalSince1970: 1_795_651_200)
        func statistics(_ entries: [(offset: TimeInterval, decision: TransferDecision)]) -> ReviewStatistics {
            let tallies = entries.map {
                HourlyTally(
                    hour: LogTallies.hour(of: base.addingTimeInterval($0.offset)), recipient: "r", purpose: "p", decision: $0.decision.rawValue,
                    entries: 1)
            }
            return ReviewStatistics(
                tallies: LogTallies(entries: tallies),
                first: base.addingTimeInterval(entries.map(\.offset).min() ?? 0), last: base.addingTimeInterval(entries.map(\.offset).max() ?? 0))
        }
        let hourly = statistics([(0, .transfer), (60, .refused), (3 * 3600 + 5, .transfer)])
        #expect(hourly.timeline.map(\.total) == [2, 0, 0, 1], "gaps stay visible")
        #expect(hourly.timeline.first?.label == "11-26 00:00")
        let daily = statistics([(0, .transfer), (10 * 86_400, .refused)])
        #expect(daily.timeline.count == 11)
        #expect(daily.timeline.last?.refusals == 1)
        let long = statistics([(0, .transfer), (400 * 86_400, .transfer)])
        #expect(long.timeline.count <= ReviewStatistics.maximumBuckets)
        #expect(long.timeline.map(\.total).reduce(0, +) == 2)
    }

    @Test func declinesAreCountedApartAndLeftOutOfTheCharts() {
        let base = Date(timeIntervalSince1970: 1_795_651_200)
        let hour = LogTallies.hour(of: base)
        let tallies = LogTallies(
            entries: [
                HourlyTally(hour: hour, recipient: "r", purpose: "p", decision: "transfer", entries: 3),
                HourlyTally(hour: hour, recipient: "r", purpose: "p", decision: "refused", entries: 2),
                HourlyTally(hour: hour, recipient: "r", purpose: "p", decision: "declined", entries: 4),
            ],
            refusals: [HourlyRefusalTally(hour: hour, recipient: "r", purpose: "p", check: "consent.separate", entries: 2)])
        let statistics = ReviewStatistics(tallies: tallies, first: base, last: base)
        #expect(statistics.total == 9)
        #expect(statistics.transfers == 3)
        #expect(statistics.refusals == 2, "declines are not refusals")
        #expect(statistics.declines == 4)
        #expect(statistics.byRecipient.map(\.transfers) == [3])
        #expect(statistics.byRecipient.map(\.refusals) == [2])
        #expect(statistics.byPurpose.map(\.total) == [5])
        #expect(statistics.refusalsByCheck.map(\.refusals) == [2])
        #expect(statistics.timeline.map(\.total) == [5])
    }

    @Test func filterParsesDatesAndRoundTripsThroughLinks() throws {
        let filter = try ReviewFilter(
            query: ReviewQuery("recipient=https%3A%2F%2Frp.example%2Fsaml&decision=refused&check=consent.separate&from=2026-11-26&to=2026-11-26"))
        #expect(filter.recipient == "https://rp.example/saml")
        #expect(filter.decision == .refused)
        #expect(filter.from == Date(timeIntervalSince1970: 1_795_651_200))
        #expect(filter.until == Date(timeIntervalSince1970: 1_795_651_200 + 86_400), "to is inclusive of the day")
        let again = try ReviewFilter(query: ReviewQuery(ReviewQuery.encode(filter.queryItems)))
        #expect(again == filter)
        #expect(try ReviewFilter(query: ReviewQuery("from=2026-11-26T08:30:00Z")).from == Date(timeIntervalSince1970: 1_795_651_200 + 8.5 * 3600))
        #expect(try ReviewFilter(query: ReviewQuery("purpose=a+b")).purpose == "a b")
        #expect(try ReviewFilter(query: ReviewQuery("recipient=&purpose=")).isEmpty)
        #expect(throws: ReviewRequestError.self) { try ReviewFilter(query: ReviewQuery("decision=TRANSFER")) }
    }

    @Test func consentTextVersionIsReadFromThePassingConsentCheck() {
        let passing = [ReviewRecord.CheckResult(check: "consent.separate", passed: true, reason: "separate consent, text 2026-09, 12 s old")]
        #expect(ReviewLogReader.consentTextVersion(fromChecks: passing) == "2026-09")
        let failing = [ReviewRecord.CheckResult(check: "consent.separate", passed: false, reason: "consent text version 'x' is not in the policy")]
        #expect(ReviewLogReader.consentTextVersion(fromChecks: failing) == nil)
    }
}
