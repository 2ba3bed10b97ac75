/// Mustache templates of the resident pages, compiled once at start.
///
/// Plain HTML with one inline style element and no script: every page works
/// without JavaScript, loads nothing from elsewhere, and uses landmarks,
/// headings and labelled controls for screen readers. `{{…}}` is
/// HTML-escaped; the only unescaped value is the constant style sheet.
enum PageTemplates {
    static let layout = """
        <!DOCTYPE html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        {{#refreshSeconds}}<meta http-equiv="refresh" content="{{refreshSeconds}}">
        {{/refreshSeconds}}<title>{{title}} · {{t.site_name}}</title>
        <style>{{{css}}}</style>
        </head>
        <body>
        <a class="skip" href="#main">{{t.nav_skip}}</a>
        <header class="top"><div class="wrap bar">
        <p class="brand">{{t.site_name}}</p>
        {{#showLanguages}}<nav aria-label="{{t.nav_language}}"><ul class="langs">{{#languages}}<li>{{#current}}<span aria-current="true" lang="{{code}}">{{name}}</span>{{/current}}{{^current}}<a href="{{href}}" lang="{{code}}" hreflang="{{code}}">{{name}}</a>{{/current}}</li>{{/languages}}</ul></nav>{{/showLanguages}}
        </div></header>
        <main id="main" class="wrap">
        {{$main}}{{/main}}
        </main>
        <footer class="wrap foot"><p>{{t.site_tagline}}</p></footer>
        </body>
        </html>
        """

    static let start = """
        {{<layout}}{{$main}}
        <h1>{{t.start_title}}</h1>
        <p>{{t.start_lead}}</p>
        <dl class="facts">
        <dt>{{t.consent_recipient}}</dt><dd>{{recipientName}}</dd>
        <dt>{{t.start_purpose}}</dt><dd>{{purpose}}</dd>
        </dl>
        <p><a class="button primary" href="{{continueURL}}">{{t.start_continue}}</a></p>
        <p class="note">{{t.start_note}}</p>
        {{/main}}{{/layout}}
        """

    static let handoff = """
        {{<layout}}{{$main}}
        <h1>{{t.handoff_title}}</h1>
        <p>{{t.handoff_lead}}</p>
        <p><a class="button primary" href="{{appURL}}">{{t.handoff_open}}</a></p>
        <p><a href="{{qrPageURL}}">{{t.handoff_qr}}</a></p>
        <p class="note">{{t.handoff_after}}</p>
        {{/main}}{{/layout}}
        """

    /// Waiting for the resident to approve the data request in iAM Smart:
    /// the page reloads itself (no script) and the bridge asks iAM Smart.
    static let approval = """
        {{<layout}}{{$main}}
        <h1>{{t.approval_title}}</h1>
        <p>{{t.approval_lead}}</p>
        <p><a class="button primary" id="open-approval" href="{{approvalURL}}">{{t.approval_open}}</a></p>
        <p role="status" id="approval-status">{{t.approval_waiting}}</p>
        <p><a id="check-again" href="/approval">{{t.approval_check}}</a></p>
        <form method="post" action="/approval/cancel">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" id="cancel">{{t.approval_cancel}}</button>
        </form>
        {{/main}}{{/layout}}
        """

    /// Values in words first; the SAML names and values exactly as sent
    /// behind a details element, so the page still shows what is sent.
    static let consent = """
        {{<layout}}{{$main}}
        <h1>{{t.consent_title}}</h1>
        <p>{{t.consent_lead}}</p>
        <dl class="facts">
        <dt>{{t.consent_recipient}}</dt><dd>{{recipient.name}}</dd>
        <dt>{{t.consent_city}}</dt><dd>{{recipient.city}}</dd>
        <dt>{{t.consent_contact}}</dt><dd>{{recipient.contact}}</dd>
        <dt>{{t.consent_purpose}}</dt><dd>{{purpose}}</dd>
        <dt>{{t.consent_legal_basis}}</dt><dd>{{legalBasis}}</dd>
        <dt>{{t.consent_retention}}</dt><dd>{{retention}}</dd>
        </dl>
        {{#crossBoundary}}<h2 id="where">{{t.consent_where}}</h2>
        <p id="cross-boundary">{{crossBoundary}}</p>
        {{/crossBoundary}}<h2 id="sent">{{t.consent_attributes}}</h2>
        <table aria-labelledby="sent">
        <thead><tr><th scope="col">{{t.consent_attribute}}</th><th scope="col">{{t.consent_shown_value}}</th></tr></thead>
        <tbody>
        {{#attributes}}<tr><th scope="row">{{label}}</th><td>{{#words}}<span class="value">{{.}}</span> {{/words}}</td></tr>
        {{/attributes}}</tbody>
        </table>
        <details id="technical"><summary>{{t.consent_technical}}</summary>
        <table>
        <thead><tr><th scope="col">{{t.consent_attribute}}</th><th scope="col">{{t.consent_code}}</th><th scope="col">{{t.consent_value}}</th></tr></thead>
        <tbody>
        {{#attributes}}<tr><th scope="row">{{label}}</th><td><code>{{name}}</code></td><td>{{#values}}<code class="value">{{.}}</code> {{/values}}</td></tr>
        {{/attributes}}</tbody>
        </table>
        </details>
        {{#notices}}<p class="notice">{{.}}</p>
        {{/notices}}{{#operatorStatement}}<h2>{{t.consent_operator_heading}}</h2>
        <p id="operator">{{operatorStatement}}{{#statementURL}} <a href="{{statementURL}}" id="privacy-statement">{{t.consent_statement}}</a>{{/statementURL}}</p>
        {{/operatorStatement}}<h2>{{t.consent_rights_heading}}</h2>
        <ul id="rights">{{#rights}}<li>{{.}}</li>{{/rights}}{{^rights}}<li>{{t.consent_rights}}</li>{{/rights}}</ul>
        <form method="post" action="{{action}}" class="choices">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="lang" value="{{formLanguage}}">
        <input type="hidden" name="shown" value="{{shown}}">
        <button type="submit" name="decision" value="agree">{{t.consent_agree}}</button>
        <button type="submit" name="decision" value="decline">{{t.consent_decline}}</button>
        </form>
        <p class="note">{{t.consent_reference}}: <code>{{reference}}</code></p>
        {{/main}}{{/layout}}
        """

    static let result = """
        {{<layout}}{{$main}}
        <h1>{{heading}}</h1>
        <p>{{lead}}</p>
        {{#recipientName}}<p>{{t.consent_recipient}}: {{recipientName}}</p>{{/recipientName}}
        {{#returnURL}}<p><a class="button primary" href="{{returnURL}}">{{t.result_continue}}</a></p>{{/returnURL}}
        {{/main}}{{/layout}}
        """

    static let error = """
        {{<layout}}{{$main}}
        <h1>{{t.error_title}}</h1>
        <h2>{{t.error_what}}</h2>
        <p>{{what}}</p>
        <h2>{{t.error_todo}}</h2>
        <p>{{todo}}</p>
        <p class="note">{{t.error_reference}}: <code id="reference">{{reference}}</code></p>
        {{/main}}{{/layout}}
        """

    /// SAML HTTP-POST binding: a form with a visible button (works without
    /// script); on the return page the one inline script (allowed by its
    /// hash) submits it at once.
    static let samlPost = """
        {{<layout}}{{$main}}
        <h1>{{#heading}}{{heading}}{{/heading}}{{^heading}}{{t.post_title}}{{/heading}}</h1>
        {{#lead}}<p id="outcome">{{lead}}</p>
        {{/lead}}<p>{{t.post_lead}}</p>
        <form method="post" action="{{action}}" id="return">
        {{#fields}}<input type="hidden" name="{{name}}" value="{{{escapedValue}}}">
        {{/fields}}<button type="submit" class="primary">{{t.post_continue}}</button>
        </form>
        {{#reference}}<p class="note">{{t.error_reference}}: <code id="reference">{{reference}}</code></p>
        {{/reference}}{{#script}}<script>{{{script}}}</script>
        {{/script}}{{/main}}{{/layout}}
        """

    /// "What have I shared?": every transfer log entry about the resident,
    /// by recipient, each with its inclusion proof; a withdrawal per recipient.
    static let myShares = """
        {{<layout}}{{$main}}
        <h1>{{t.my_title}}</h1>
        <p>{{t.my_lead}}</p>
        {{#signInURL}}<p><a class="button primary" id="my-sign-in" href="{{signInURL}}">{{t.my_sign_in}}</a></p>
        <p class="note">{{t.my_sign_in_note}}</p>
        {{/signInURL}}{{#notice}}<p class="notice" role="status" id="my-notice">{{notice}}</p>
        {{/notice}}{{#nothing}}<p id="my-nothing">{{t.my_nothing}}</p>
        {{/nothing}}{{#recipients}}<section class="recipient" aria-labelledby="r-{{subjectDigest}}">
        <h2 id="r-{{subjectDigest}}">{{name}}</h2>
        <p class="note">{{t.consent_contact}}: {{contact}} · {{t.my_subject}}: <code class="digest">{{subjectDigest}}</code></p>
        <table>
        <thead><tr><th scope="col">{{t.my_time}}</th><th scope="col">{{t.consent_purpose}}</th><th scope="col">{{t.my_items}}</th><th scope="col">{{t.my_decision}}</th><th scope="col">{{t.my_proof}}</th></tr></thead>
        <tbody>
        {{#entries}}<tr class="{{decisionCode}}"><td data-label="{{t.my_time}}">{{time}}</td><td data-label="{{t.consent_purpose}}">{{purpose}}</td><td data-label="{{t.my_items}}">{{#attributes}}<span class="value">{{.}}</span> {{/attributes}}</td><td data-label="{{t.my_decision}}">{{decision}}</td><td data-label="{{t.my_proof}}"><a href="{{proofURL}}" download>{{t.my_proof_link}} #{{sequence}}</a></td></tr>
        {{/entries}}</tbody>
        </table>
        {{#canWithdraw}}<form method="post" action="/my/withdraw" class="withdraw">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="recipient" value="{{entityID}}">
        <button type="submit">{{t.my_withdraw}}</button>
        </form>
        <p class="note">{{t.my_withdraw_note}}</p>
        {{/canWithdraw}}</section>
        {{/recipients}}{{#signedIn}}<h2 id="check">{{t.my_check_title}}</h2>
        <p>{{t.my_check}}</p>
        <pre class="command">bridge log check-proof --public-key '{{verifierKey}}' proof.json</pre>
        <form method="post" action="/my/sign-out">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" id="my-sign-out">{{t.my_sign_out}}</button>
        </form>
        {{/signedIn}}{{/main}}{{/layout}}
        """

    /// Submits the return form; its SHA-256 is the page's only `script-src`.
    static let autoSubmit = "document.getElementById(\"return\").submit();"

    /// Calm, readable, high-contrast; equal weight for the two consent buttons.
    static let css = """
        :root{color-scheme:light;--ink:#1b1f24;--muted:#4a5562;--line:#d5dbe1;--accent:#0b5cad;--bg:#f6f8fa}\
        *{box-sizing:border-box}\
        body{margin:0;font:17px/1.6 system-ui,"Noto Sans CJK TC","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;color:var(--ink);background:var(--bg)}\
        .wrap{max-width:44rem;margin:0 auto;padding:0 1rem}\
        .skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}\
        .top{background:#fff;border-bottom:1px solid var(--line)}\
        .bar{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem}\
        .brand{font-weight:600;margin:.75rem 0}\
        .langs{list-style:none;display:flex;gap:.75rem;margin:0;padding:0}\
        .langs span{font-weight:600}\
        main{background:#fff;margin-top:1.5rem;padding-top:.5rem;padding-bottom:1.5rem;border:1px solid var(--line);border-radius:8px}\
        h1{font-size:1.6rem;line-height:1.3}h2{font-size:1.15rem;margin-top:1.5rem}\
        a{color:var(--accent)}\
        .facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}\
        .facts dt{color:var(--muted)}.facts dd{margin:0}\
        table{width:100%;border-collapse:collapse}\
        th,td{text-align:left;vertical-align:top;padding:.4rem .5rem;border-bottom:1px solid var(--line)}\
        td code{word-break:break-all}\
        details{margin:1rem 0}summary{cursor:pointer;color:var(--accent)}\
        .recipient{border-top:1px solid var(--line);margin-top:1.5rem}.digest{word-break:break-all}\
        pre.command{white-space:pre-wrap;word-break:break-all;background:var(--bg);padding:.5rem;font-size:.85rem}\
        tr.withdrawn td{color:var(--muted)}.value{display:inline-block;margin-right:.4rem}\
        @media (max-width:40rem){.recipient table,.recipient tbody,.recipient tr,.recipient td{display:block}.recipient thead{position:absolute;left:-9999px}.recipient tr{border-bottom:1px solid var(--line);padding:.5rem 0}.recipient td{border:0;padding:.1rem 0}.recipient td::before{content:attr(data-label) ": ";color:var(--muted)}}\
        .choices{display:grid;grid-template-columns:1fr 1fr;gap:1rem;margin:1.5rem 0}\
        button,.button{display:inline-block;font:inherit;font-weight:600;padding:.7rem 1.2rem;border-radius:6px;border:2px solid var(--accent);background:#fff;color:var(--accent);text-align:center;text-decoration:none;cursor:pointer}\
        .choices button{width:100%}\
        .primary{background:var(--accent);color:#fff}\
        button:focus,.button:focus,a:focus{outline:3px solid #f2b705;outline-offset:2px}\
        .note{color:var(--muted);font-size:.95rem}\
        .foot{color:var(--muted);font-size:.9rem;padding:1rem}
        """
}
