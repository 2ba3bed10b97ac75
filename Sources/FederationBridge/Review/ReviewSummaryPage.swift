import Foundation

/// `/review/summary`: the printable PIA summary for one purpose and period —
/// volumes, refusals by check, attributes released, and the recipients with
/// their Standard Contract references. Print CSS hides navigation and forms.
struct ReviewSummaryPage: Sendable {
    struct Option: Sendable {
        let value: String
        let selected: Bool
    }

    struct CountRow: Sendable {
        let name: String
        let count: Int
    }

    struct AttributeRow: Sendable {
        let name: String
        let transforms: String
        let count: Int
        let necessity: String
    }

    /// One risk the PIA names, how the bridge mitigates it, and the
    /// evidence from this period: how often its check refused a transfer.
    struct RiskRow: Sendable {
        let risk: String
        let mitigation: String
        let check: String
        let refusals: Int
    }

    struct RecipientRow: Sendable {
        let entityID: String
        let legalEntity: String
        let city: String
        let contractReference: String
        let contractFiledOn: String
        let filed: String
        let contact: String
        let retention: String
        let onwardTransfer: String
        let transfers: Int
        let refusals: Int
    }

    struct Report: Sendable {
        let purpose: String
        /// "language: text", one per language the policy gives.
        let descriptions: [String]
        let legalBasis: String
        let requiredAssurance: String
        let maximumRetention: String
        let period: String
        let total: Int
        let transfers: Int
        let refusals: Int
        let declines: Int
        let refusalRate: String
        let refusalsByCheck: [CountRow]
        let attributes: [AttributeRow]
        let recipients: [RecipientRow]
        let risks: [RiskRow]
        let chart: String
        let integrity: String
        let verified: Bool
        let generated: String
        let reviewer: String
        let title: String
        let byline: String
    }

    let base: String
    let purposes: [Option]
    let from: String
    let to: String
    let report: Report?

    init(
        base: String, purposes: [String], query: ReviewQuery, filter: ReviewFilter, statistics: ReviewStatistics?,
        context: ReviewPolicyContext, integrity: ReviewIntegrityStatus, reviewer: Reviewer, now: Date, language: Language = .english
    ) {
        func text(_ key: String, _ values: [String: String] = [:]) -> String { ReviewStrings.format(key, in: language, values) }
        func days(_ count: Int) -> String { text("summary.days", ["n": String(count)]) }
        let notInPolicy = text("entry.not_in_policy")
        self.base = base
        let offered = purposes + (filter.purpose.map { purposes.contains($0) ? [] : [$0] } ?? [])
        self.purposes = offered.map { Option(value: $0, selected: $0 == filter.purpose) }
        from = query["from"] ?? ""
        to = query["to"] ?? ""
        guard let statistics, let purpose = filter.purpose else {
            report = nil
            return
        }
        let purposeInfo = context.purpose(purpose)
        let periodStart = filter.from ?? statistics.first
        let periodEnd = filter.until ?? statistics.last
        let period = [periodStart, periodEnd].map { $0.map(ReviewFormat.readable) ?? "…" }.joined(separator: " – ")
        let generated = ReviewFormat.readable(now)
        report = Report(
            purpose: purpose,
            descriptions: (purposeInfo?.descriptions ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" },
            legalBasis: purposeInfo?.legalBasis ?? notInPolicy,
            requiredAssurance: purposeInfo?.requiredAssurance ?? "—",
            maximumRetention: purposeInfo.map { days($0.maxRetentionDays) } ?? "—",
            period: period,
            total: statistics.total,
            transfers: statistics.transfers,
            refusals: statistics.refusals,
            declines: statistics.declines,
            refusalRate: statistics.total == 0 ? "—" : String(format: "%.1f %%", 100 * Double(statistics.refusals) / Double(statistics.total)),
            refusalsByCheck: statistics.refusalsByCheck.map { CountRow(name: $0.label, count: $0.refusals) },
            attributes: statistics.releases.sorted { $0.key < $1.key }.map { name, value in
                AttributeRow(
                    name: name, transforms: value.transforms.sorted().joined(separator: "; "), count: value.count,
                    necessity: purposeInfo?.necessity[name] ?? text("summary.not_allowed"))
            },
            recipients: statistics.byRecipient.map { bar in
                let info = context.recipient(bar.label)
                return RecipientRow(
                    entityID: bar.label,
                    legalEntity: info?.legalEntity ?? notInPolicy,
                    city: info?.city ?? "—",
                    contractReference: info?.contractReference ?? "—",
                    contractFiledOn: info?.contractFiledOn ?? "—",
                    filed: text("summary.filed", ["date": info?.contractFiledOn ?? "—"]),
                    contact: info?.contact ?? "—",
                    retention: info.map { days($0.retentionDays) } ?? "—",
                    onwardTransfer: info.map { text($0.onwardTransferExcluded ? "summary.excluded" : "summary.not_excluded") } ?? "—",
                    transfers: bar.transfers, refusals: bar.refusals)
            },
            risks: Self.riskChecks.map { check in
                RiskRow(
                    risk: text("risk.\(check).risk"), mitigation: text("risk.\(check).mitigation"), check: check,
                    refusals: statistics.refusalsByCheck.first { $0.label == check }?.refusals ?? 0)
            },
            chart: ReviewChart.timeline(
                title: text("chart.purpose_timeline", ["purpose": purpose]), bars: statistics.timeline, width: 1000, height: 200,
                language: language),
            integrity: integrity.message(in: language),
            verified: integrity.isVerified || integrity == .empty,
            generated: generated,
            reviewer: reviewer.username,
            title: text("summary.title", ["purpose": purpose]),
            byline: text("summary.generated", ["period": period, "generated": generated, "reviewer": reviewer.username]))
    }

    /// The risks of sending Hong Kong residents' data to the Mainland that the
    /// privacy checks stand against, named by the check that enforces each;
    /// the risk and its mitigation are `risk.<check>.*` in `ReviewStrings`.
    static let riskChecks = [
        "consent.separate", "minimisation", "recipient.registered", "sensitive-attributes", "age-eligibility", "assurance", "encryption",
        "retention", "volume",
    ]

    static let template = """
        {{^report}}<h1>{{t.nav_summary}}</h1>{{/report}}
        <form class="filters noprint" method="get" action="{{base}}/summary">
        <label>{{t.summary_purpose}}<select name="purpose" required>{{#purposes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/purposes}}</select></label>
        <label>{{t.search_from}}<input name="from" value="{{from}}" placeholder="YYYY-MM-DD" size="22"></label>
        <label>{{t.search_to}}<input name="to" value="{{to}}" placeholder="YYYY-MM-DD" size="22"></label>
        <button type="submit">{{t.summary_show}}</button>
        </form>
        {{^report}}<p class="muted">{{t.summary_choose}}</p>{{/report}}
        {{#report}}
        <h1>{{title}}</h1>
        <p>{{byline}}</p>
        <div class="banner {{#verified}}ok{{/verified}}{{^verified}}bad{{/verified}}">{{integrity}}</div>
        <div class="panel">
        <table class="facts">
        <tr><th>{{t.summary_purpose}}</th><td>{{purpose}}{{#descriptions}}<br>{{.}}{{/descriptions}}</td></tr>
        <tr><th>{{t.entry_legal_basis}}</th><td>{{legalBasis}}</td></tr>
        <tr><th>{{t.summary_assurance}}</th><td>{{requiredAssurance}}</td></tr>
        <tr><th>{{t.summary_max_retention}}</th><td>{{maximumRetention}}</td></tr>
        </table>
        </div>
        <h2>{{t.summary_volumes}}</h2>
        <table class="volumes">
        <tr><th class="num">{{t.summary_entries}}</th><th class="num">{{t.summary_transfers}}</th><th class="num">{{t.summary_refusals}}</th><th class="num">{{t.summary_declined}}</th><th class="num">{{t.summary_rate}}</th></tr>
        <tr><td class="num">{{total}}</td><td class="num">{{transfers}}</td><td class="num">{{refusals}}</td><td class="num">{{declines}}</td><td class="num">{{refusalRate}}</td></tr>
        </table>
        <div class="panel">{{{chart}}}</div>
        <h2>{{t.summary_by_check}}</h2>
        <table class="refusals">
        <thead><tr><th>{{t.entry_check}}</th><th class="num">{{t.summary_refusals}}</th></tr></thead>
        <tbody>{{#refusalsByCheck}}<tr><td><code>{{name}}</code></td><td class="num">{{count}}</td></tr>{{/refusalsByCheck}}
        {{^refusalsByCheck}}<tr><td colspan="2" class="muted">{{t.summary_no_refusals}}</td></tr>{{/refusalsByCheck}}</tbody>
        </table>
        <h2>{{t.summary_attributes}}</h2>
        <table class="attributes">
        <thead><tr><th>{{t.summary_attribute}}</th><th>{{t.summary_transforms}}</th><th class="num">{{t.summary_transfers}}</th><th>{{t.entry_necessity}}</th></tr></thead>
        <tbody>{{#attributes}}<tr><td><code>{{name}}</code></td><td>{{transforms}}</td><td class="num">{{count}}</td><td>{{necessity}}</td></tr>{{/attributes}}
        {{^attributes}}<tr><td colspan="4" class="muted">{{t.summary_nothing}}</td></tr>{{/attributes}}</tbody>
        </table>
        <h2>{{t.summary_recipients}}</h2>
        <table class="recipients">
        <thead><tr><th>{{t.rows_recipient}}</th><th>{{t.summary_city}}</th><th>{{t.entry_contract}}</th><th>{{t.summary_retention}}</th><th>{{t.summary_onward}}</th><th class="num">{{t.summary_transfers}}</th><th class="num">{{t.summary_refusals}}</th></tr></thead>
        <tbody>{{#recipients}}<tr><td><code>{{entityID}}</code><br>{{legalEntity}}<br><span class="muted">{{contact}}</span></td><td>{{city}}</td><td>{{contractReference}}<br><span class="muted">{{filed}}</span></td><td>{{retention}}</td><td>{{onwardTransfer}}</td><td class="num">{{transfers}}</td><td class="num">{{refusals}}</td></tr>{{/recipients}}
        {{^recipients}}<tr><td colspan="7" class="muted">{{t.summary_no_recipients}}</td></tr>{{/recipients}}</tbody>
        </table>
        <section class="risks">
        <h2>{{t.summary_risks}}</h2>
        <table class="risks">
        <thead><tr><th>{{t.summary_risk}}</th><th>{{t.summary_mitigation}}</th><th>{{t.entry_check}}</th><th class="num">{{t.summary_refused_in_period}}</th></tr></thead>
        <tbody>{{#risks}}<tr><td>{{risk}}</td><td>{{mitigation}}</td><td><code>{{check}}</code></td><td class="num">{{refusals}}</td></tr>{{/risks}}</tbody>
        </table>
        <p>{{t.summary_residual}}</p>
        </section>
        <section class="signoff">
        <h2>{{t.summary_signoff}}</h2>
        <table class="signoff">
        <tr><th>{{t.summary_prepared}}</th><td>{{reviewer}}, {{generated}}</td></tr>
        <tr><th>{{t.summary_reviewed}}</th><td class="blank">{{{t.summary_fields}}}</td></tr>
        <tr><th>{{t.summary_decision}}</th><td class="blank">{{{t.summary_options}}}</td></tr>
        <tr><th>{{t.summary_comments}}</th><td class="blank comments"></td></tr>
        </table>
        </section>
        {{/report}}
        """
}
