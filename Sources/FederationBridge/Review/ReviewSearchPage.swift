/// `/review/entries`: the filter form, one page of matching entries and
/// links to export exactly that filter.
struct ReviewSearchPage: Sendable {
    struct Option: Sendable {
        let value: String
        let selected: Bool
    }

    let base: String
    let recipients: [Option]
    let purposes: [Option]
    let decisions: [Option]
    let checks: [Option]
    let from: String
    let to: String
    let flow: String
    let subject: String
    let matched: Int
    let page: Int
    let pages: Int
    let filterText: String
    let exportQuery: String
    let previousQuery: String?
    let nextQuery: String?
    let rows: [ReviewEntryRow]

    static let pageSize = 50

    /// - Parameters:
    ///   - choices: values offered in the drop-downs (from the policy and the standard checks).
    ///   - query: the raw query, so the form shows what the reviewer typed.
    ///   - page: the page shown (already clamped to the last one); `rows` are its entries, newest first.
    init(
        base: String, filter: ReviewFilter, query: ReviewQuery, page: Int, matched: Int, rows: [ReviewRecord],
        choices: (recipients: [String], purposes: [String], checks: [String])
    ) {
        self.base = base
        func options(_ values: [String], _ chosen: String?) -> [Option] {
            var values = values
            if let chosen, !values.contains(chosen) { values.append(chosen) }
            return values.map { Option(value: $0, selected: $0 == chosen) }
        }
        recipients = options(choices.recipients, filter.recipient)
        purposes = options(choices.purposes, filter.purpose)
        decisions = options(ReviewRecord.Decision.allCases.map(\.rawValue), filter.decision?.rawValue)
        checks = options(choices.checks, filter.failedCheck)
        from = query["from"] ?? ""
        to = query["to"] ?? ""
        flow = query["flow"] ?? ""
        subject = query["subject"] ?? ""
        self.matched = matched
        pages = max(1, (matched + Self.pageSize - 1) / Self.pageSize)
        self.page = min(page, pages)
        filterText = filter.isEmpty ? "no filter" : filter.auditDescription
        exportQuery = ReviewQuery.encode(filter.queryItems)
        self.rows = rows.prefix(Self.pageSize).map(ReviewEntryRow.init)
        let current = self.page
        previousQuery = current > 1 ? ReviewQuery.encode(filter.queryItems + [("page", String(current - 1))]) : nil
        nextQuery = current < pages ? ReviewQuery.encode(filter.queryItems + [("page", String(current + 1))]) : nil
    }

    static let template = """
        <h1>Search the transfer log</h1>
        <form class="filters" method="get" action="{{base}}/entries">
        <label>Recipient<select name="recipient"><option value="">any</option>{{#recipients}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/recipients}}</select></label>
        <label>Purpose<select name="purpose"><option value="">any</option>{{#purposes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/purposes}}</select></label>
        <label>Decision<select name="decision"><option value="">any</option>{{#decisions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/decisions}}</select></label>
        <label>Failed check<select name="check"><option value="">any</option>{{#checks}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/checks}}</select></label>
        <label>From (UTC)<input name="from" value="{{from}}" placeholder="YYYY-MM-DD" size="22"></label>
        <label>To, inclusive (UTC)<input name="to" value="{{to}}" placeholder="YYYY-MM-DD" size="22"></label>
        <label>Flow reference<input name="flow" value="{{flow}}" placeholder="fl-…" size="30"></label>
        <label>Subject digest<input name="subject" value="{{subject}}" placeholder="64 hex digits, from the resident" size="40"></label>
        <button type="submit">Filter</button>
        <a href="{{base}}/entries">Clear</a>
        </form>
        <p id="matched"><b>{{matched}}</b> entries match ({{filterText}}). Page {{page}} of {{pages}}, newest first.</p>
        <div class="actions"><a href="{{base}}/export.csv?{{exportQuery}}">Export CSV</a><a href="{{base}}/export.jsonl?{{exportQuery}}">Export JSONL</a></div>
        """ + ReviewEntryRow.template + """
            <div class="actions">{{#previousQuery}}<a rel="prev" href="{{base}}/entries?{{previousQuery}}">← newer</a>{{/previousQuery}}{{#nextQuery}}<a rel="next" href="{{base}}/entries?{{nextQuery}}">older →</a>{{/nextQuery}}</div>
            """
}
