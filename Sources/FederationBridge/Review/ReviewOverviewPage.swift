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
    init(base: String, statistics: ReviewStatistics, latest: [ReviewRecord], integrity: ReviewIntegrityStatus) {
        self.base = base
        verified = integrity.isVerified || integrity == .empty
        banner = integrity.message
        total = statistics.total
        transfers = statistics.transfers
        refusals = statistics.refusals
        declines = statistics.declines
        recipientCount = statistics.byRecipient.count
        purposeCount = statistics.byPurpose.count
        if let first = statistics.first, let last = statistics.last {
            period = "\(ReviewFormat.readable(first)) – \(ReviewFormat.readable(last))"
        } else {
            period = "no entries yet"
        }
        timelineChart = ReviewChart.timeline(title: "Transfers and refusals over time", bars: statistics.timeline)
        recipientChart = ReviewChart.horizontal(title: "Entries by recipient", bars: statistics.byRecipient)
        purposeChart = ReviewChart.horizontal(title: "Entries by purpose", bars: statistics.byPurpose)
        checkChart = ReviewChart.horizontal(title: "Refusals by failed check", bars: statistics.refusalsByCheck, width: 1100)
        rows = latest.prefix(Self.latestCount).map(ReviewEntryRow.init)
    }

    static let template = """
        <h1>Transfer log overview</h1>
        <div id="integrity" class="banner {{#verified}}ok{{/verified}}{{^verified}}bad{{/verified}}" role="status">{{banner}}</div>
        <div class="cards">
        <div class="card"><b>{{total}}</b>entries</div>
        <div class="card"><b class="transfer">{{transfers}}</b>transfers</div>
        <div class="card"><b class="refused">{{refusals}}</b>refusals</div>
        <div class="card"><b>{{declines}}</b>declined by the resident</div>
        <div class="card"><b>{{recipientCount}}</b>recipients</div>
        <div class="card"><b>{{purposeCount}}</b>purposes</div>
        </div>
        <p class="muted">Period: {{period}}</p>
        <div class="panel"><h2>Over time</h2>{{{timelineChart}}}</div>
        <div class="grid">
        <div class="panel"><h2>By recipient</h2>{{{recipientChart}}}</div>
        <div class="panel"><h2>By purpose</h2>{{{purposeChart}}}</div>
        </div>
        <div class="panel"><h2>Refusals by failed check</h2>{{{checkChart}}}</div>
        <h2>Latest entries</h2>
        """ + ReviewEntryRow.template + """
            <div class="actions"><a href="{{base}}/entries">Search all entries</a><a href="{{base}}/summary">Printable PIA summary</a></div>
            """
}
