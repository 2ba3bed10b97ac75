/// `/review/entries`: the filter form, one page of matching entries and
/// links to export exactly that filter.
struct ReviewSearchPage: Sendable {
    struct Option: Sendable {
        let value: String
        /// What the drop-down shows: the identifier, or for decisions a word in the page's language.
        let label: String
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
    /// The count line; markup from our own table, values escaped.
    let matchedText: String
    let exportQuery: String
    let previousQuery: String?
    let nextQuery: String?
    let rows: [ReviewEntryRow]
    let reference: String
    /// Set when a reference was searched: failures kept for it outside the log.
    let failureSearch: FailureSearch?

    static let pageSize = 50

    /// What the state store keeps under a searched reference.
    struct FailureSearch: Sendable {
        let rows: [FailureRow]
        let hasRows: Bool
        let lead: String
        let none: String
        /// The store did not answer; the log part of the page still did.
        let unreadable: Bool

        init(_ records: [FailureRecord], retentionDays: Int, language: Language, unreadable: Bool = false) {
            rows = records.map { FailureRow($0, language: language) }
            hasRows = !records.isEmpty
            self.unreadable = unreadable
            lead = ReviewStrings.format("failures.lead", in: language, ["days": String(retentionDays)])
            none = ReviewStrings.format("failures.none", in: language, ["days": String(retentionDays)])
        }
    }

    struct FailureRow: Sendable {
        let time: String
        let code: String
        let explanation: String
        let partner: String
        let flowReference: String?
        let reference: String

        init(_ record: FailureRecord, language: Language) {
            time = ReviewFormat.readable(record.time)
            code = record.code
            explanation = ReviewStrings.format("failure.\(record.kind.rawValue)", in: language)
            partner = record.partner ?? "—"
            flowReference = record.flowReference
            reference = record.reference
        }
    }

    /// - Parameters:
    ///   - choices: values offered in the drop-downs (from the policy and the standard checks).
    ///   - query: the raw query, so the form shows what the reviewer typed.
    ///   - page: the page shown (already clamped to the last one); `rows` are its entries, newest first.
    init(
        base: String, filter: ReviewFilter, query: ReviewQuery, page: Int, matched: Int, rows: [ReviewRecord],
        choices: (recipients: [String], purposes: [String], checks: [String]), failureSearch: FailureSearch? = nil,
        language: Language = .english
    ) {
        self.failureSearch = failureSearch
        self.base = base
        func options(_ values: [String], _ chosen: String?, label: (String) -> String = { $0 }) -> [Option] {
            var values = values
            if let chosen, !values.contains(chosen) { values.append(chosen) }
            return values.map { Option(value: $0, label: label($0), selected: $0 == chosen) }
        }
        recipients = options(choices.recipients, filter.recipient)
        purposes = options(choices.purposes, filter.purpose)
        decisions = options(ReviewRecord.Decision.allCases.map(\.rawValue), filter.decision?.rawValue) {
            ReviewStrings.format("decision.\($0)", in: language)
        }
        checks = options(choices.checks, filter.failedCheck)
        from = query["from"] ?? ""
        to = query["to"] ?? ""
        flow = query["flow"] ?? ""
        subject = query["subject"] ?? ""
        reference = query["reference"] ?? ""
        self.matched = matched
        pages = max(1, (matched + Self.pageSize - 1) / Self.pageSize)
        self.page = min(page, pages)
        exportQuery = ReviewQuery.encode(filter.queryItems)
        self.rows = rows.prefix(Self.pageSize).map { ReviewEntryRow($0, language: language) }
        let current = self.page
        let filterText = filter.isEmpty ? ReviewStrings.format("search.no_filter", in: language) : filter.auditDescription
        matchedText = ReviewStrings.format(
            "search.matched", in: language,
            ["matched": String(matched), "filter": ReviewChart.escape(filterText), "page": String(current), "pages": String(pages)])
        previousQuery = current > 1 ? ReviewQuery.encode(filter.queryItems + [("page", String(current - 1))]) : nil
        nextQuery = current < pages ? ReviewQuery.encode(filter.queryItems + [("page", String(current + 1))]) : nil
    }

    static let template = """
        <h1>{{t.search_title}}</h1>
        <form class="filters" method="get" action="{{base}}/entries">
        <label>{{t.rows_recipient}}<select name="recipient"><option value="">{{t.search_any}}</option>{{#recipients}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/recipients}}</select></label>
        <label>{{t.rows_purpose}}<select name="purpose"><option value="">{{t.search_any}}</option>{{#purposes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/purposes}}</select></label>
        <label>{{t.rows_decision}}<select name="decision"><option value="">{{t.search_any}}</option>{{#decisions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/decisions}}</select></label>
        <label>{{t.search_check}}<select name="check"><option value="">{{t.search_any}}</option>{{#checks}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/checks}}</select></label>
        <label>{{t.search_from}}<input name="from" value="{{from}}" placeholder="YYYY-MM-DD" size="22"></label>
        <label>{{t.search_to}}<input name="to" value="{{to}}" placeholder="YYYY-MM-DD" size="22"></label>
        <label>{{t.search_flow}}<input name="flow" value="{{flow}}" placeholder="fl-…" size="30"></label>
        <label>{{t.search_subject}}<input name="subject" value="{{subject}}" placeholder="{{t.search_subject_hint}}" size="40"></label>
        <label>{{t.search_reference}}<input name="reference" value="{{reference}}" placeholder="{{t.search_reference_hint}}" size="34"></label>
        <button type="submit">{{t.search_filter}}</button>
        <a href="{{base}}/entries">{{t.search_clear}}</a>
        </form>
        {{#failureSearch}}<section id="failures" class="panel" aria-labelledby="failures-heading"><h2 id="failures-heading">{{t.failures_heading}}</h2>
        <p class="muted">{{lead}}</p>
        {{#hasRows}}<table class="failures">
        <thead><tr><th>{{t.failures_time}}</th><th>{{t.failures_code}}</th><th>{{t.failures_explanation}}</th><th>{{t.failures_partner}}</th><th>{{t.failures_flow}}</th><th>{{t.failures_reference}}</th></tr></thead>
        <tbody>{{#rows}}<tr><td data-label="{{t.failures_time}}{{t.colon}}">{{time}}</td><td data-label="{{t.failures_code}}{{t.colon}}"><code>{{code}}</code></td><td data-label="{{t.failures_explanation}}{{t.colon}}">{{explanation}}</td><td data-label="{{t.failures_partner}}{{t.colon}}"><code>{{partner}}</code></td><td data-label="{{t.failures_flow}}{{t.colon}}">{{#flowReference}}<code>{{.}}</code>{{/flowReference}}{{^flowReference}}—{{/flowReference}}</td><td data-label="{{t.failures_reference}}{{t.colon}}"><code>{{reference}}</code></td></tr>{{/rows}}</tbody>
        </table>{{/hasRows}}
        {{#unreadable}}<p id="failures-unreadable" class="banner bad">{{t.failures_unreadable}}</p>{{/unreadable}}
        {{^unreadable}}{{^hasRows}}<p id="no-failures">{{none}}</p>{{/hasRows}}{{/unreadable}}
        </section>{{/failureSearch}}
        <p id="matched">{{{matchedText}}}</p>
        <div class="actions"><a href="{{base}}/export.csv?{{exportQuery}}">{{t.search_csv}}</a><a href="{{base}}/export.jsonl?{{exportQuery}}">{{t.search_jsonl}}</a></div>
        """ + ReviewEntryRow.template + """
            <div class="actions">{{#previousQuery}}<a rel="prev" href="{{base}}/entries?{{previousQuery}}">{{t.search_newer}}</a>{{/previousQuery}}{{#nextQuery}}<a rel="next" href="{{base}}/entries?{{nextQuery}}">{{t.search_older}}</a>{{/nextQuery}}</div>
            """
}
