/// One line of an entry table on the overview and search pages.
struct ReviewEntryRow: Sendable {
    let sequence: Int
    let time: String
    let recipient: String
    let purpose: String
    let decision: String
    let failedChecks: String

    init(_ record: ReviewRecord) {
        sequence = record.sequence
        time = ReviewFormat.readable(record.time)
        recipient = record.recipient
        purpose = record.purpose
        decision = record.decision.rawValue
        failedChecks = record.failedChecks.joined(separator: ", ")
    }

    /// Rendered inside a page template; `base` comes from the page.
    static let template = """
        <table class="entries">
        <thead><tr><th class="num">#</th><th>Time (Hong Kong, UTC)</th><th>Recipient</th><th>Purpose</th><th>Decision</th><th>Failed checks</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td class="num"><a href="{{base}}/entries/{{sequence}}">{{sequence}}</a></td><td>{{time}}</td><td><code>{{recipient}}</code></td><td>{{purpose}}</td><td class="{{decision}}">{{decision}}</td><td>{{failedChecks}}</td></tr>
        {{/rows}}
        {{^rows}}<tr><td colspan="6" class="muted">No entries.</td></tr>{{/rows}}
        </tbody>
        </table>
        """
}
