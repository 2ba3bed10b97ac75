import Foundation
import PIAChecks

/// Time and number formats used across the pages and exports. Pages show
/// Hong Kong time, where the reviewers work, with UTC beside it, so that two
/// reviewers in different places still read the same numbers; exports and
/// query parameters are UTC.
enum ReviewFormat {
    static func instant(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func parseInstant(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }

    static func day(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day())
    }

    static func hour(_ date: Date) -> String {
        let calendar = utcCalendar
        let components = calendar.dateComponents([.hour], from: date)
        return "\(day(date)) \(String(format: "%02d", components.hour ?? 0)):00"
    }

    /// Lower-case hex, as hashes are shown everywhere else in the log's tools.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.hex
    }

    static func parseDay(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle().year().month().day().parse(text)
    }

    /// A readable time for pages, Hong Kong time first:
    /// `2026-11-26 00:23:34 HKT (2026-11-25 16:23:34 UTC)`.
    static func readable(_ date: Date) -> String {
        "\(local(date, hongKongCalendar)) HKT (\(utc(date)))"
    }

    /// `2026-11-25 16:23:34 UTC`.
    static func utc(_ date: Date) -> String {
        local(date, utcCalendar) + " UTC"
    }

    private static func local(_ date: Date, _ calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// Hong Kong has kept UTC+8 without daylight saving since 1979.
    static let hongKongCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Hong_Kong") ?? TimeZone(secondsFromGMT: 8 * 3600) ?? .current
        return calendar
    }()

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current
        return calendar
    }()
}
