import Crypto
import Foundation
import Mustache

/// The page frame shared by every reviewer page: header, navigation, the
/// stylesheet (inline, with a print variant) and the footer.
///
/// Templates are Mustache, so every value is HTML-escaped unless a template
/// says otherwise; the only unescaped values are the page body and charts,
/// which this module renders itself.
struct ReviewLayout: Sendable {
    let library: MustacheLibrary
    /// Path the pages are mounted under, e.g. `/review`.
    let basePath: String

    init(basePath: String) throws {
        var library = MustacheLibrary()
        try library.register(Self.layout, named: "layout")
        let pages = [
            ("overview", ReviewOverviewPage.template), ("search", ReviewSearchPage.template), ("entry", ReviewEntryPage.template),
            ("summary", ReviewSummaryPage.template), ("error", ReviewErrorPage.template), ("signin", ReviewSignInPage.template),
        ]
        // Each page renders inside its model, with the strings (`t`) one level up.
        for (name, template) in pages { try library.register("{{#page}}" + template + "{{/page}}", named: name) }
        self.library = library
        self.basePath = basePath
        var contexts: [Language: [String: String]] = [:]
        for language in Language.allCases { contexts[language] = PageStrings.mustacheKeyed(ReviewStrings.table(for: language)) }
        self.strings = contexts
    }

    /// Each language's strings, keyed for Mustache, built once.
    private let strings: [Language: [String: String]]

    /// Renders `page` with its template inside the frame, in `language`.
    /// - Parameters:
    ///   - reviewer: `nil` on the sign-in page (no navigation, no sign-out).
    ///   - switchTarget: the current path and query without `lang`; the
    ///     language switch links back to it, so the page and its filters stay.
    func render(
        template: String, page: Any, title: String, reviewer: Reviewer?, language: Language = .english, switchTarget: String? = nil
    ) -> String {
        let strings = strings[language] ?? [:]
        let body = library.render(["page": page, "t": strings] as [String: Any], withTemplate: template) ?? ""
        let target = switchTarget ?? basePath
        let separator = target.contains("?") ? "&" : "?"
        let frame = Frame(
            lang: language.rawValue, t: strings, title: title, reviewer: reviewer?.username ?? "", signedIn: reviewer != nil, base: basePath,
            css: Self.css, body: body,
            languages: Language.allCases.map {
                LanguageLink(code: $0.rawValue, name: $0.endonym, current: $0 == language, href: target + separator + "lang=" + $0.rawValue)
            })
        return library.render(frame, withTemplate: "layout") ?? body
    }

    private struct Frame {
        let lang: String
        let t: [String: String]
        let title: String
        let reviewer: String
        let signedIn: Bool
        let base: String
        let css: String
        let body: String
        let languages: [LanguageLink]
    }

    private struct LanguageLink {
        let code: String
        let name: String
        let current: Bool
        let href: String
    }

    /// The content security policy for every reviewer page: nothing but this
    /// stylesheet (pinned by hash) and inline SVG; no scripts, no fetches.
    static let contentSecurityPolicy: String = {
        let digest = Data(SHA256.hash(data: Data(css.utf8))).base64EncodedString()
        return "default-src 'none'; style-src 'sha256-\(digest)'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }()

    static let layout = """
        <!DOCTYPE html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>{{title}} · {{t.site_title}}</title>
        <style>{{{css}}}</style>
        </head>
        <body>
        <header>
        <strong>{{t.site_brand}}</strong>
        {{#signedIn}}<nav aria-label="{{t.nav_pages}}"><a href="{{base}}">{{t.nav_overview}}</a><a href="{{base}}/entries">{{t.nav_search}}</a><a href="{{base}}/summary">{{t.nav_summary}}</a></nav>{{/signedIn}}
        <nav aria-label="{{t.nav_language}}" class="langs"><ul>{{#languages}}<li>{{#current}}<span aria-current="true" lang="{{code}}">{{name}}</span>{{/current}}{{^current}}<a href="{{href}}" lang="{{code}}" hreflang="{{code}}" id="lang-{{code}}">{{name}}</a>{{/current}}</li>{{/languages}}</ul></nav>
        {{#signedIn}}<span class="who">{{t.nav_signed_in}} {{reviewer}}</span>
        <form method="post" action="{{base}}/sign-out" class="signout"><button type="submit" id="sign-out">{{t.nav_sign_out}}</button></form>{{/signedIn}}
        </header>
        <main>
        {{{body}}}
        </main>
        <footer>{{t.footer}}</footer>
        </body>
        </html>
        """

    static let css = """
        :root{--ok:#2e7d32;--bad:#c62828;--ink:#1a1a1a;--muted:#5f6368;--line:#dadce0}
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.45 "Noto Sans","DejaVu Sans","WenQuanYi Micro Hei",system-ui,sans-serif;color:var(--ink);background:#f7f7f5}
        header{display:flex;gap:24px;align-items:center;background:#12263a;color:#fff;padding:10px 24px}
        header a{color:#cfe3ff;text-decoration:none;margin-right:18px}
        header .who{margin-left:auto;color:#c8d3dd}
        header .langs ul{list-style:none;display:flex;gap:12px;margin:0;padding:0}header .langs span{font-weight:600}header .langs a{margin-right:0}
        header form.signout{margin:0}header button{font:inherit;background:#fff;color:#12263a;border:0;border-radius:4px;padding:4px 10px;cursor:pointer}
        a:focus,button:focus,input:focus,select:focus{outline:3px solid #f2b705;outline-offset:2px}
        form.signin{display:grid;gap:10px;max-width:360px;background:#fff;border:1px solid var(--line);border-radius:6px;padding:16px}
        form.signin label{display:flex;flex-direction:column;gap:4px}form.signin input{font:inherit;padding:6px}
        main{max-width:1180px;margin:0 auto;padding:12px 24px}
        h1{font-size:22px;margin:8px 0 12px}
        h2{font-size:17px;margin:20px 0 8px}
        .banner{padding:10px 14px;border-radius:6px;font-weight:600;margin:8px 0 16px;overflow-wrap:anywhere}
        .banner.ok{background:#e8f5e9;border:2px solid var(--ok);color:#1b5e20}
        .banner.bad{background:#ffebee;border:2px solid var(--bad);color:#b71c1c}
        .cards{display:flex;gap:12px;flex-wrap:wrap}
        .card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 16px;min-width:150px;color:var(--muted)}
        .card b{display:block;font-size:24px;color:var(--ink)}
        .panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px;margin:12px 0;overflow-x:auto}
        .grid{display:grid;grid-template-columns:1fr 1fr;gap:12px}
        .grid .panel{margin:0}
        table{border-collapse:collapse;width:100%;background:#fff}
        th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top;overflow-wrap:break-word;word-break:normal;hyphens:manual}
        td code,p code,#matched{overflow-wrap:anywhere}
        svg.chart{max-width:100%;height:auto}
        .signoff td.blank{height:3.5em}.signoff td.comments{height:7em}
        th{background:#f1f3f4;font-weight:600}
        .num{text-align:right}
        .pass,.transfer{color:var(--ok);font-weight:600}
        .fail,.refused{color:var(--bad);font-weight:600}
        code,pre{font-family:"DejaVu Sans Mono",ui-monospace,monospace;font-size:12px}
        pre{background:#f1f3f4;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere}
        .muted{color:var(--muted)}
        form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px}
        form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
        .actions{margin:10px 0;display:flex;gap:16px;flex-wrap:wrap}
        footer{color:var(--muted);font-size:12px;padding:16px 24px;max-width:1180px;margin:0 auto}
        @media (max-width:700px){header{flex-wrap:wrap;gap:6px 14px;padding:10px 12px}header .who{margin-left:0}header .langs{width:100%}main{padding:8px 12px}.grid{grid-template-columns:1fr}table{display:block;overflow-x:auto;max-width:100%}form.filters input{max-width:100%}table.failures thead{position:absolute;left:-9999px}table.failures tr,table.failures td{display:block;border:0}table.failures tr{border-bottom:1px solid var(--line);padding:6px 0}table.failures td{padding:2px 0}table.failures td::before{content:attr(data-label);font-weight:600;color:var(--muted)}}
        @page{size:A4;margin:16mm}
        @media print{header,form,form.filters,.actions,.noprint{display:none!important}body{background:#fff;font-size:10pt}main{max-width:none;padding:0}.panel,.card{border:1px solid #999}.panel{overflow:visible}svg.chart{width:100%;height:auto}h2{break-after:avoid}tr,.signoff{break-inside:avoid}a{color:inherit;text-decoration:none}.grid{display:block}}
        """
}
