import Foundation

/// One complete sign-in clicked through as a resident would, with no script:
/// the sandbox relying party's start page, the bridge, the sandbox iAM Smart
/// app (sign-in and data request approved), consent agreed, and back to the
/// relying party, which must report `signed-in`.
///
/// The flow benchmark drives many of these at once; each has its own browser
/// (cookies) over a shared connection pool.
public struct ScriptedSignIn: Sendable {
    public var relyingPartyURL: URL
    /// The resident the sandbox app signs in as.
    public var resident: String
    public var binding: RelyingPartyOutcome.Binding

    public init(relyingPartyURL: URL, resident: String = "adult-basic", binding: RelyingPartyOutcome.Binding) {
        self.relyingPartyURL = relyingPartyURL
        self.resident = resident
        self.binding = binding
    }

    /// Runs the sign-in; throws `BrowserError` naming the step that went wrong.
    public func run(in browser: SandboxBrowser) async throws {
        let start = try await browser.open(relyingPartyURL)
        guard let login = start.form(action: "/login") else { throw failure("relying party start page without a login form", start) }
        let bridgeStart = try await browser.submit(login, button: binding == .post ? "post" : "artifact")
        guard bridgeStart.status == 200, let handoff = bridgeStart.link(containing: "button primary") else {
            throw failure("no bridge start page", bridgeStart)
        }
        let qr = try await browser.open(handoff)
        guard let appLink = qr.link(id: "open-app") else { throw failure("no app link on the iAM Smart page", qr) }
        let app = try await browser.open(appLink)
        guard let signIn = app.forms.first(where: { $0.fields.contains { $0.name == "resident" && $0.value == resident } }) else {
            throw failure("resident \(resident) not offered by the sandbox app", app)
        }
        var page = try await browser.submit(signIn, button: "approve")
        if page.url.path == "/approval" {
            guard let open = page.link(id: "open-approval") else { throw failure("waiting page without the app link", page) }
            let ticket = try await browser.open(open)
            guard let form = ticket.form(action: "/sandbox/app/ticket") else { throw failure("data request page without a form", ticket) }
            _ = try await browser.submit(form, button: "approve")
            page = try await browser.open(page.url)
        }
        guard page.url.path == "/consent", let consent = page.form(action: "/consent") else {
            throw failure("no consent page (\(page.text(id: "outcome")?.prefix(80) ?? "no notice"))", page)
        }
        page = try await browser.submit(consent, button: "agree")
        if !page.url.absoluteString.hasPrefix(relyingPartyURL.absoluteString) {
            guard let back = page.forms.first(where: { $0.action.absoluteString.hasPrefix(relyingPartyURL.absoluteString) }) else {
                throw failure("delivery page without a form to the relying party", page)
            }
            page = try await browser.submit(back)
        }
        guard page.text(id: "outcome") == "signed-in" else { throw failure("the relying party did not sign the resident in", page) }
    }

    private func failure(_ what: String, _ page: SandboxBrowser.Page) -> BrowserError {
        BrowserError("\(what): \(page.status) \(page.url.path) \(page.errorCode ?? "")")
    }
}
