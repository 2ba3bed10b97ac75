import Foundation
import PIAChecks

/// Counts over a set of log entries, as the overview and the PIA summary
/// show them, from the hourly tallies the log keeps at append time.
struct ReviewStatistics: Sendable {
    let total: Int
    let transfers: Int
    /// Entries a check refused; declines (the resident said no) are counted apart.
    let refusals: Int
    let declines: Int
    let byRecipient: [ReviewChart.Bar]
    let byPurpose: [ReviewChart.Bar]
    /// Refusals per failed check; an entry refused by two checks counts for both.
    let refusalsByCheck: [ReviewChart.Bar]
    /// Attributes released by transfers: name → (transform chains, count).
    let releases: [String: (transforms: Set<String>, count: Int)]
    let timeline: [ReviewChart.Bar]
    let first: Date?
    let last: Date?

    /// Longest timeline drawn; hourly buckets are used while they fit.
    static let maximumBuckets = 60

    init(tallies: LogTallies, first: Date?, last: Date?) {
        let counts = tallies.entries.map { (tally: $0, decision: TransferDecision(rawValue: $0.decision)) }
        total = tallies.entries.reduce(0) { $0 + $1.entries }
        transfers = counts.filter { $0.decision == .transfer }.reduce(0) { $0 + $1.tally.entries }
        refusals = counts.filter { $0.decision == .refused }.reduce(0) { $0 + $1.tally.entries }
        declines = counts.filter { $0.decision == .declined }.reduce(0) { $0 + $1.tally.entries }
        byRecipient = Self.group(counts.map { ($0.tally.recipient, $0.decision, $0.tally.entries) })
        byPurpose = Self.group(counts.map { ($0.tally.purpose, $0.decision, $0.tally.entries) })
        refusalsByCheck = Self.group(tallies.refusals.map { ($0.check, .refused, $0.entries) })
        var releases: [String: (transforms: Set<String>, count: Int)] = [:]
        for release in tallies.releases {
            var entry = releases[release.attribute] ?? ([], 0)
            entry.count += release.entries
            entry.transforms.insert(release.transforms)
            releases[release.attribute] = entry
        }
        self.releases = releases
        self.first = first
        self.last = last
        timeline = Self.timeline(counts, first: first, last: last)
    }

    /// Bars sorted by volume, largest first, then by label for a stable order.
    /// Charts draw transfers and refusals; declines are left out of the bars.
    private static func group(_ counts: [(key: String, decision: TransferDecision?, count: Int)]) -> [ReviewChart.Bar] {
        var totals: [String: (transfers: Int, refusals: Int)] = [:]
        for (key, decision, count) in counts {
            var total = totals[key] ?? (0, 0)
            switch decision {
            case .transfer: total.transfers += count
            case .refused: total.refusals += count
            case .declined, .withdrawn, nil: break
            }
            totals[key] = total
        }
        return totals.map { ReviewChart.Bar(label: $0.key, transfers: $0.value.transfers, refusals: $0.value.refusals) }
            .sorted { ($0.total, $1.label) > ($1.total, $0.label) }
    }

    /// Buckets by hour when the entries span at most `maximumBuckets` hours,
    /// otherwise by day; empty buckets are kept so gaps show as gaps.
    private static func timeline(
        _ tallies: [(tally: HourlyTally, decision: TransferDecision?)], first: Date?, last: Date?
    ) -> [ReviewChart.Bar] {
        guard let first, let last else { return [] }
        let calendar = ReviewFormat.utcCalendar
        let hourly = last.timeIntervalSince(first) < Double(maximumBuckets) * 3600
        let component: Calendar.Component = hourly ? .hour : .day
        let step: TimeInterval = hourly ? 3600 : 86_400
        func bucketStart(_ date: Date) -> Date {
            calendar.dateInterval(of: component, for: date)?.start ?? date
        }
        let start = bucketStart(first)
        let bucketCount = Int(bucketStart(last).timeIntervalSince(start) / step) + 1
        // Many days of log: widen each bucket so that at most maximumBuckets are drawn.
        let width = max(1, Int((Double(bucketCount) / Double(maximumBuckets)).rounded(.up)))
        let slots = (bucketCount + width - 1) / width
        var transfers = Array(repeating: 0, count: slots)
        var refusals = Array(repeating: 0, count: slots)
        for (tally, decision) in tallies {
            let time = Date(timeIntervalSince1970: Double(tally.hour) * 3600)
            let index = min(slots - 1, max(0, Int(bucketStart(time).timeIntervalSince(start) / step) / width))
            switch decision {
            case .transfer: transfers[index] += tally.entries
            case .refused: refusals[index] += tally.entries
            case .declined, .withdrawn, nil: break
            }
        }
        return (0..<slots).map { slot in
            let date = start.addingTimeInterval(Double(slot * width) * step)
            let label = hourly ? String(ReviewFormat.hour(date).dropFirst(5)) : String(ReviewFormat.day(date).dropFirst(5))
            return ReviewChart.Bar(label: label, transfers: transfers[slot], refusals: refusals[slot])
        }
    }
}
