/// One line of an entry table on the overview and search pages.
struct ReviewEntryRow: Sendable {
    let sequence: Int
    let time: String
    let recipient: String
    let purpose: String
    /// The decision as logged (for the style) and in the page's language.
    let decision: String
    let decisionText: String
    let failedChecks: String

    init(_ record: ReviewRecord, language: Language) {
        sequence = record.sequence
        time = ReviewFormat.readable(record.time)
        recipient = record.recipient
        purpose = record.purpose
        decision = record.decision.rawValue
        decisionText = ReviewStrings.format("decision.\(record.decision.rawValue)", in: language)
        failedChecks = record.failedChecks.joined(separator: ", ")
    }

    /// Rendered inside a page template; `base` comes from the page.
    static let template = """
        <table class="entries">
        <thead><tr><th class="num">#</th><th>{{t.rows_time}}</th><th>{{t.rows_recipient}}</th><th>{{t.rows_purpose}}</th><th>{{t.rows_decision}}</th><th>{{t.rows_failed}}</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td class="num"><a href="{{base}}/entries/{{sequence}}">{{sequence}}</a></td><td>{{time}}</td><td><code>{{recipient}}</code></td><td>{{purpose}}</td><td class="{{decision}}">{{decisionText}}</td><td>{{failedChecks}}</td></tr>
        {{/rows}}
        {{^rows}}<tr><td colspan="6" class="muted">{{t.rows_none}}</td></tr>{{/rows}}
        </tbody>
        </table>
        """
}
