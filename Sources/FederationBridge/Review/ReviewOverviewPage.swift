/// `/review`: volumes, charts and the integrity banner.
struct ReviewOverviewPage: Sendable {
    let base: String
    let verified: Bool
    let banner: String
    let total: Int
    let transfers: Int
    let refusals: Int
    let declines: Int
    let recipientCount: Int
    let purposeCount: Int
    let period: String
    let timelineChart: String
    let recipientChart: String
    let purposeChart: String
    let checkChart: String
    let rows: [ReviewEntryRow]

    /// How many of the newest entries the overview lists.
    static let latestCount = 10

    /// - Parameter latest: the newest entries, newest first.
    init(base: String, statistics: ReviewStatistics, latest: [ReviewRecord], integrity: ReviewIntegrityStatus, language: Language) {
        func text(_ key: String) -> String { ReviewStrings.format(key, in: language) }
        self.base = base
        verified = integrity.isVerified || integrity == .empty
        banner = integrity.message(in: language)
        total = statistics.total
        transfers = statistics.transfers
        refusals = statistics.refusals
        declines = statistics.declines
        recipientCount = statistics.byRecipient.count
        purposeCount = statistics.byPurpose.count
        if let first = statistics.first, let last = statistics.last {
            period = ReviewStrings.format(
                "overview.period", in: language, ["period": "\(ReviewFormat.readable(first)) – \(ReviewFormat.readable(last))"])
        } else {
            period = ReviewStrings.format("overview.period", in: language, ["period": text("overview.no_entries")])
        }
        timelineChart = ReviewChart.timeline(title: text("chart.timeline"), bars: statistics.timeline, language: language)
        recipientChart = ReviewChart.horizontal(title: text("chart.recipients"), bars: statistics.byRecipient, language: language)
        purposeChart = ReviewChart.horizontal(title: text("chart.purposes"), bars: statistics.byPurpose, language: language)
        checkChart = ReviewChart.horizontal(title: text("chart.checks"), bars: statistics.refusalsByCheck, width: 1100, language: language)
        rows = latest.prefix(Self.latestCount).map { ReviewEntryRow($0, language: language) }
    }

    static let template = """
        <h1>{{t.overview_title}}</h1>
        <div id="integrity" class="banner {{#verified}}ok{{/verified}}{{^verified}}bad{{/verified}}" role="status">{{banner}}</div>
        <div class="cards">
        <div class="card"><b>{{total}}</b>{{t.overview_entries}}</div>
        <div class="card"><b class="transfer">{{transfers}}</b>{{t.overview_transfers}}</div>
        <div class="card"><b class="refused">{{refusals}}</b>{{t.overview_refusals}}</div>
        <div class="card"><b>{{declines}}</b>{{t.overview_declines}}</div>
        <div class="card"><b>{{recipientCount}}</b>{{t.overview_recipients}}</div>
        <div class="card"><b>{{purposeCount}}</b>{{t.overview_purposes}}</div>
        </div>
        <p class="muted">{{period}}</p>
        <div class="panel"><h2>{{t.overview_over_time}}</h2>{{{timelineChart}}}</div>
        <div class="grid">
        <div class="panel"><h2>{{t.overview_by_recipient}}</h2>{{{recipientChart}}}</div>
        <div class="panel"><h2>{{t.overview_by_purpose}}</h2>{{{purposeChart}}}</div>
        </div>
        <div class="panel"><h2>{{t.overview_by_check}}</h2>{{{checkChart}}}</div>
        <h2>{{t.overview_latest}}</h2>
        """ + ReviewEntryRow.template + """
            <div class="actions"><a href="{{base}}/entries">{{t.overview_search_all}}</a><a href="{{base}}/summary">{{t.overview_summary}}</a></div>
            """
}
