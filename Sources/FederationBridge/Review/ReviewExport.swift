import Foundation
import PIAChecks

/// CSV and JSONL renderings of a filtered set of entries, in sequence order.
///
/// CSV carries the same fields as the entry page and flattens lists with
/// `;` so it opens in a spreadsheet. JSONL is the log's own hashed bytes.
enum ReviewExport {
    static let csvHeader = [
        "sequence", "time", "recipient", "purpose", "legal_basis", "decision", "failed_checks",
        "checks", "released_attributes", "consent_text_version", "consent_digest", "subject_digest",
        "assertion_id", "redacted",
    ]

    static func csv(_ records: [ReviewRecord]) -> String {
        var lines = [csvHeader.joined(separator: ",")]
        for record in records.sorted(by: { $0.sequence < $1.sequence }) {
            let fields = [
                String(record.sequence),
                ReviewFormat.instant(record.time),
                record.recipient,
                record.purpose,
                record.legalBasis,
                record.decision.rawValue,
                record.failedChecks.joined(separator: ";"),
                record.checks.map { "\($0.check)=\($0.passed ? "pass" : "fail")" }.joined(separator: ";"),
                record.released.map { attribute in
                    attribute.transforms.isEmpty ? attribute.name : "\(attribute.name)[\(attribute.transforms.joined(separator: "+"))]"
                }.joined(separator: ";"),
                record.consentTextVersion ?? "",
                record.consentDigest ?? "",
                record.subjectDigest ?? "",
                record.assertionID ?? "",
                record.redacted ? "true" : "false",
            ]
            lines.append(fields.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Quotes per RFC 4180 and defuses spreadsheet formulas: a cell that
    /// starts with `=`, `+`, `-`, `@`, tab or CR gets a leading apostrophe, so
    /// an identifier chosen by a relying party cannot run in the reviewer's
    /// spreadsheet.
    static func csvField(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One entry a line, exactly the hashed bytes (the same lines as
    /// `bridge log export`), so hashing each line gives the log's leaves.
    static func jsonLines(_ entries: [SequencedEntry]) -> String {
        entries.sorted { $0.seq < $1.seq }.map { $0.exportLine + "\n" }.joined()
    }

    static let notificationHeader = ["withdrawn_at", "recipient", "purpose", "withdrawal_sequence", "earlier_assertion_ids"]

    /// The recipient's notification of withdrawn consents: each withdrawal
    /// with the IDs of the assertions it had received about that resident
    /// (the recipient keeps those), so it can act without the bridge
    /// revealing anything it did not already send.
    static func notifications(_ rows: [(withdrawal: SequencedEntry, earlier: [String])]) -> String {
        var lines = [notificationHeader.joined(separator: ",")]
        for (withdrawal, earlier) in rows.sorted(by: { $0.withdrawal.seq < $1.withdrawal.seq }) {
            guard let entry = withdrawal.entry else { continue }
            let fields = [
                ReviewFormat.instant(entry.time), entry.recipient, entry.purpose, String(withdrawal.seq), earlier.sorted().joined(separator: ";"),
            ]
            lines.append(fields.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
