import Foundation

/// Time and number formats used across the pages and exports: UTC always, so
/// that two reviewers in different places read the same numbers.
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
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func parseDay(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle().year().month().day().parse(text)
    }

    /// A readable UTC time for pages: `2026-11-25 16:23:34 UTC`.
    static func readable(_ date: Date) -> String {
        let components = utcCalendar.dateComponents([.hour, .minute, .second], from: date)
        let time = String(format: "%02d:%02d:%02d", components.hour ?? 0, components.minute ?? 0, components.second ?? 0)
        return "\(day(date)) \(time) UTC"
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current
        return calendar
    }()
}
