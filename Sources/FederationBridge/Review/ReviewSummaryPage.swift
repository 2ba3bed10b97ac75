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
    }

    let base: String
    let purposes: [Option]
    let from: String
    let to: String
    let report: Report?

    init(
        base: String, purposes: [String], query: ReviewQuery, filter: ReviewFilter, statistics: ReviewStatistics?,
        context: ReviewPolicyContext, integrity: ReviewIntegrityStatus, reviewer: Reviewer, now: Date
    ) {
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
        report = Report(
            purpose: purpose,
            descriptions: (purposeInfo?.descriptions ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" },
            legalBasis: purposeInfo?.legalBasis ?? "not in the current policy",
            requiredAssurance: purposeInfo?.requiredAssurance ?? "—",
            maximumRetention: purposeInfo.map { "\($0.maxRetentionDays) days" } ?? "—",
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
                    necessity: purposeInfo?.necessity[name] ?? "not allowed by the current policy")
            },
            recipients: statistics.byRecipient.map { bar in
                let info = context.recipient(bar.label)
                return RecipientRow(
                    entityID: bar.label,
                    legalEntity: info?.legalEntity ?? "not in the current policy",
                    city: info?.city ?? "—",
                    contractReference: info?.contractReference ?? "—",
                    contractFiledOn: info?.contractFiledOn ?? "—",
                    contact: info?.contact ?? "—",
                    retention: info.map { "\($0.retentionDays) days" } ?? "—",
                    onwardTransfer: info.map { $0.onwardTransferExcluded ? "excluded" : "NOT excluded" } ?? "—",
                    transfers: bar.transfers, refusals: bar.refusals)
            },
            risks: Self.risks.map { risk in
                RiskRow(
                    risk: risk.risk, mitigation: risk.mitigation, check: risk.check,
                    refusals: statistics.refusalsByCheck.first { $0.label == risk.check }?.refusals ?? 0)
            },
            chart: ReviewChart.timeline(title: "Transfers and refusals for \(purpose)", bars: statistics.timeline, width: 1000, height: 200),
            integrity: integrity.message,
            verified: integrity.isVerified || integrity == .empty,
            generated: ReviewFormat.readable(now),
            reviewer: reviewer.username)
    }

    /// The risks of sending Hong Kong residents' data to the Mainland that the
    /// privacy checks stand against, each with the check that enforces it.
    static let risks: [(risk: String, mitigation: String, check: String)] = [
        (
            "Data sent without the resident's separate, informed consent (PIPL Art. 39)",
            "Consent page in the resident's language names recipient, purpose, cross-boundary route, contract filing and rights; the consent record binds the digest of exactly what was shown; nothing is sent on decline",
            "consent.separate"
        ),
        (
            "More data than the purpose needs",
            "Only attributes the policy allows for the purpose, each with a stated necessity and required transforms (pairwise ID, age-over claims instead of birth dates)",
            "minimisation"
        ),
        (
            "A recipient without a filed GBA Standard Contract",
            "Only recipients registered in the policy with a contract filing reference receive data", "recipient.registered"
        ),
        (
            "Sensitive personal information (ID numbers, biometrics) leaves Hong Kong",
            "Sensitive attributes are refused unless a purpose names them explicitly", "sensitive-attributes"
        ),
        ("Data of minors", "Purposes carry a minimum age; younger residents are refused before any consent is asked", "age-eligibility"),
        (
            "Identity not strong enough for a real-name account",
            "The iAM Smart assurance must meet the purpose's level; a face re-authentication is asked for when it would", "assurance"
        ),
        ("Interception or disclosure on the way", "Assertions are signed and encrypted to the recipient's key from its metadata", "encryption"),
        ("Kept longer than the purpose allows", "The recipient's promised retention must not exceed the purpose's maximum", "retention"),
        ("Bulk extraction through a compromised recipient", "Hourly volume limits and anomaly detection per recipient", "volume"),
    ]

    static let template = """
        <form class="filters noprint" method="get" action="{{base}}/summary">
        <label>Purpose<select name="purpose" required>{{#purposes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/purposes}}</select></label>
        <label>From (UTC)<input name="from" value="{{from}}" placeholder="YYYY-MM-DD" size="22"></label>
        <label>To, inclusive (UTC)<input name="to" value="{{to}}" placeholder="YYYY-MM-DD" size="22"></label>
        <button type="submit">Show summary</button>
        </form>
        {{^report}}<p class="muted">Choose a purpose and, if you like, a period, then print the page (the navigation and this form are left out of the print).</p>{{/report}}
        {{#report}}
        <h1>Privacy impact summary: {{purpose}}</h1>
        <p>Period {{period}} · generated {{generated}} by {{reviewer}}</p>
        <div class="banner {{#verified}}ok{{/verified}}{{^verified}}bad{{/verified}}">{{integrity}}</div>
        <div class="panel">
        <table class="facts">
        <tr><th>Purpose</th><td>{{purpose}}{{#descriptions}}<br>{{.}}{{/descriptions}}</td></tr>
        <tr><th>Legal basis</th><td>{{legalBasis}}</td></tr>
        <tr><th>Required assurance</th><td>{{requiredAssurance}}</td></tr>
        <tr><th>Maximum retention</th><td>{{maximumRetention}}</td></tr>
        </table>
        </div>
        <h2>Volumes</h2>
        <table class="volumes">
        <tr><th class="num">Entries</th><th class="num">Transfers</th><th class="num">Refusals</th><th class="num">Declined</th><th class="num">Refusal rate</th></tr>
        <tr><td class="num">{{total}}</td><td class="num">{{transfers}}</td><td class="num">{{refusals}}</td><td class="num">{{declines}}</td><td class="num">{{refusalRate}}</td></tr>
        </table>
        <div class="panel">{{{chart}}}</div>
        <h2>Refusals by check</h2>
        <table class="refusals">
        <thead><tr><th>Check</th><th class="num">Refusals</th></tr></thead>
        <tbody>{{#refusalsByCheck}}<tr><td><code>{{name}}</code></td><td class="num">{{count}}</td></tr>{{/refusalsByCheck}}
        {{^refusalsByCheck}}<tr><td colspan="2" class="muted">No refusals in this period.</td></tr>{{/refusalsByCheck}}</tbody>
        </table>
        <h2>Attributes released</h2>
        <table class="attributes">
        <thead><tr><th>Attribute</th><th>Transforms</th><th class="num">Transfers</th><th>Necessity (policy)</th></tr></thead>
        <tbody>{{#attributes}}<tr><td><code>{{name}}</code></td><td>{{transforms}}</td><td class="num">{{count}}</td><td>{{necessity}}</td></tr>{{/attributes}}
        {{^attributes}}<tr><td colspan="4" class="muted">Nothing was released in this period.</td></tr>{{/attributes}}</tbody>
        </table>
        <h2>Recipients</h2>
        <table class="recipients">
        <thead><tr><th>Recipient</th><th>City</th><th>Standard Contract</th><th>Retention promised</th><th>Onward transfer</th><th class="num">Transfers</th><th class="num">Refusals</th></tr></thead>
        <tbody>{{#recipients}}<tr><td><code>{{entityID}}</code><br>{{legalEntity}}<br><span class="muted">{{contact}}</span></td><td>{{city}}</td><td>{{contractReference}}<br><span class="muted">filed {{contractFiledOn}}</span></td><td>{{retention}}</td><td>{{onwardTransfer}}</td><td class="num">{{transfers}}</td><td class="num">{{refusals}}</td></tr>{{/recipients}}
        {{^recipients}}<tr><td colspan="7" class="muted">No recipient received or was refused data for this purpose in this period.</td></tr>{{/recipients}}</tbody>
        </table>
        <section class="risks">
        <h2>Risks and mitigations</h2>
        <table class="risks">
        <thead><tr><th>Risk</th><th>Mitigation</th><th>Check</th><th class="num">Refused in period</th></tr></thead>
        <tbody>{{#risks}}<tr><td>{{risk}}</td><td>{{mitigation}}</td><td><code>{{check}}</code></td><td class="num">{{refusals}}</td></tr>{{/risks}}</tbody>
        </table>
        <p>Residual risk: the integrity of this record rests on the transfer log, whose status is shown above; a recipient's handling after receipt rests on its Standard Contract.</p>
        </section>
        <section class="signoff">
        <h2>Sign-off</h2>
        <table class="signoff">
        <tr><th>Prepared by</th><td>{{reviewer}}, {{generated}}</td></tr>
        <tr><th>Reviewed by (data protection officer)</th><td class="blank">Name:<br><br>Signature:<br><br>Date:</td></tr>
        <tr><th>Decision</th><td class="blank">☐ Approved &nbsp; ☐ Approved with conditions &nbsp; ☐ Not approved</td></tr>
        <tr><th>Conditions and comments</th><td class="blank comments"></td></tr>
        </table>
        </section>
        {{/report}}
        """
}
