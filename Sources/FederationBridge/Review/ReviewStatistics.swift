import Foundation

/// Counts over a set of log entries, as the overview and the PIA summary
/// show them.
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
    let timeline: [ReviewChart.Bar]
    let first: Date?
    let last: Date?

    /// Longest timeline drawn; hourly buckets are used while they fit.
    static let maximumBuckets = 60

    init(_ records: [ReviewRecord]) {
        total = records.count
        transfers = records.count(where: { $0.decision == .transfer })
        refusals = records.count(where: { $0.decision == .refused })
        declines = records.count(where: { $0.decision == .declined })
        byRecipient = Self.group(records, by: { [$0.recipient] })
        byPurpose = Self.group(records, by: { [$0.purpose] })
        refusalsByCheck = Self.group(records.filter { $0.decision == .refused }, by: { $0.failedChecks })
        first = records.map(\.time).min()
        last = records.map(\.time).max()
        timeline = Self.timeline(records, first: first, last: last)
    }

    /// Bars sorted by volume, largest first, then by label for a stable order.
    private static func group(_ records: [ReviewRecord], by keys: (ReviewRecord) -> [String]) -> [ReviewChart.Bar] {
        var counts: [String: (transfers: Int, refusals: Int)] = [:]
        for record in records {
            for key in keys(record) {
                var count = counts[key] ?? (0, 0)
                switch record.decision {
                case .transfer: count.transfers += 1
                case .refused: count.refusals += 1
                case .declined: break
                }
                counts[key] = count
            }
        }
        return counts.map { ReviewChart.Bar(label: $0.key, transfers: $0.value.transfers, refusals: $0.value.refusals) }
            .sorted { ($0.total, $1.label) > ($1.total, $0.label) }
    }

    /// Buckets by hour when the entries span at most `maximumBuckets` hours,
    /// otherwise by day; empty buckets are kept so gaps show as gaps.
    private static func timeline(_ records: [ReviewRecord], first: Date?, last: Date?) -> [ReviewChart.Bar] {
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
        for record in records {
            let index = min(slots - 1, max(0, Int(bucketStart(record.time).timeIntervalSince(start) / step) / width))
            switch record.decision {
            case .transfer: transfers[index] += 1
            case .refused: refusals[index] += 1
            case .declined: break
            }
        }
        return (0..<slots).map { slot in
            let date = start.addingTimeInterval(Double(slot * width) * step)
            let label = hourly ? String(ReviewFormat.hour(date).dropFirst(5)) : String(ReviewFormat.day(date).dropFirst(5))
            return ReviewChart.Bar(label: label, transfers: transfers[slot], refusals: refusals[slot])
        }
    }
}
