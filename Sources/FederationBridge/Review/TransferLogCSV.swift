import PIAChecks

/// The transfer log as CSV, for `bridge log export --format csv`: the same
/// rows the reviewer pages' `/review/export.csv` gives (one column list, one
/// rendering, spreadsheet formulas defused), read the same way.
public enum TransferLogCSV {
    public static let header = ReviewExport.csvHeader

    /// Every entry matching `filter`, in sequence order, with a header line; CRLF line ends (RFC 4180).
    public static func render(log: TransferLog, filter: LogFilter) async throws -> String {
        let reader = ReviewLogReader(log: log)
        return ReviewExport.csv(try await reader.convert(try await log.entries(filter: filter, page: .all)))
    }
}
