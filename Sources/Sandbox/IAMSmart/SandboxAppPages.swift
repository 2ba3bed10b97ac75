import Foundation
import Hummingbird
import IAMSmart

/// The browser half of the sandbox: `getQR`, and the pages that stand in for
/// the iAM Smart phone app. Plain links and forms only, no JavaScript, so a
/// test (or a text browser) can drive the flow with ordinary HTTP requests.
struct SandboxAppPages: Sendable {
    let sandbox: IAMSmartSandbox
    var configuration: IAMSmartSandboxConfiguration { sandbox.configuration }
    var ledger: SandboxLedger { sandbox.ledger }

    static let knownScopes: Set<String> = [
        "eidapi_auth", "eidapi_profiles", "eidapi_formFilling", "eidapi_sign", "eidapi_fr", "eidapi_bulksign",
    ]

    func register(on router: Router<BasicRequestContext>) {
        router.get(RouterPath(APIPath.getQR)) { request, _ in await getQR(request) }
        router.get("/sandbox/app/authorize") { request, _ in await authorizePage(request) }
        router.post("/sandbox/app/decide") { request, context in await decide(request, context: context) }
        router.get("/sandbox/app/ticket") { request, _ in await ticketPage(request) }
        router.post("/sandbox/app/ticket") { request, context in await decideTicket(request, context: context) }
        router.get("/sandbox") { _, _ in indexPage() }
        router.post("/sandbox/admin/faults") { request, context in await setFaults(request, context: context) }
    }

    // MARK: getQR

    private func getQR(_ request: Request) async -> Response {
        let query = request.uri.queryParameters
        let wantsJSON = request.headers[.accept]?.contains("application/json") == true
        func refuse(_ code: String, _ message: String) -> Response {
            if wantsJSON {
                return SandboxAPI.json(Envelope<JSONValue>(txID: SandboxLedger.randomToken(), code: code, message: message, content: nil))
            }
            return Self.page(
                title: "iAM Smart sandbox: request refused", status: .badRequest, body: "<p><strong>\(code)</strong> \(Self.escape(message))</p>")
        }
        guard query["clientID"].map(String.init) == configuration.clientID else { return refuse("D20006", "unknown clientID") }
        guard query["responseType"] == "code" else { return refuse("D40000", "responseType must be code") }
        guard let redirectURI = query["redirectURI"].map(String.init), configuration.redirectURIs.contains(redirectURI) else {
            return refuse(ResultCode.callbackNotRegistered, "redirectURI is not registered for this clientID")
        }
        guard let source = query["source"].flatMap({ AuthorizationSource(rawValue: String($0)) }) else {
            return refuse("D40000", "source must be one of " + AuthorizationSource.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let lang = query["lang"].map(String.init) ?? "zh-HK"
        guard let texts = SandboxTexts(lang: lang) else { return refuse("D40000", "lang must be zh-HK, zh-CN or en-US") }
        let scopes = (query["scope"].map(String.init) ?? "eidapi_auth")
            .split(whereSeparator: { $0 == " " || $0 == "," || $0 == "+" }).map(String.init)
        guard !scopes.isEmpty, scopes.allSatisfy(Self.knownScopes.contains) else { return refuse("D40000", "unknown scope") }
        if wantsJSON {
            return SandboxAPI.json(
                Envelope<JSONValue>(txID: SandboxLedger.randomToken(), code: ResultCode.success, message: "redirectURI registered", content: nil))
        }
        let sessionID = await ledger.openQRSession(
            .init(
                redirectURI: redirectURI, state: query["state"].map(String.init), scopes: scopes, source: source.rawValue, lang: lang,
                createdAt: SandboxAPI.now()))
        let appLink = "/sandbox/app/authorize?session=\(sessionID)"
        if source.isAppHandOff {
            // Stands in for the `iamsmart://` scheme or app link opening the app.
            return Response(status: .seeOther, headers: [.location: appLink])
        }
        let broker = query["brokerPage"] == "true" ? "<p>\(texts.leaving)</p>" : ""
        return Self.page(
            title: texts.scanTitle, lang: texts.htmlLang,
            body: """
                \(broker)<p>\(texts.scan)</p>
                <pre class="qr" aria-label="\(texts.qrLabel)">\(Self.escape(appLink))</pre>
                <p>\(texts.noPhone) <a id="open-app" href="\(Self.escape(appLink))">\(texts.openApp)</a></p>
                <p>\(texts.requested) \(Self.escape(scopes.joined(separator: ", ")))</p>
                """)
    }

    // MARK: The app

    private func authorizePage(_ request: Request) async -> Response {
        guard let id = request.uri.queryParameters["session"].map(String.init), let session = await ledger.qrSession(id) else {
            return Self.page(
                title: "iAM Smart sandbox", status: .notFound,
                body: "<p>This sign-in request is unknown or finished. Start again from the online service.</p>")
        }
        let faceFails = await ledger.faults.faceRecognitionFails
        let face =
            session.scopes.contains(Assurance.faceRecognitionScope)
            ? (faceFails
                ? "<p>This request asks for face recognition; the sandbox fails it (fault switch).</p>"
                : "<p>This request asks for face recognition; the sandbox treats it as passed.</p>") : ""
        let rows = configuration.residents.map { resident in
            """
            <li><form method="post" action="/sandbox/app/decide">
            <input type="hidden" name="session" value="\(Self.escape(id))">
            <input type="hidden" name="resident" value="\(Self.escape(resident.id))">
            <span>\(Self.escape(resident.label)) (\(resident.isPlus ? "iAM Smart+" : "iAM Smart"), <code>\(Self.escape(resident.id))</code>)</span>
            <button type="submit" name="decision" value="approve">Approve</button>
            <button type="submit" name="decision" value="decline">Decline</button>
            </form></li>
            """
        }.joined(separator: "\n")
        return Self.page(
            title: "iAM Smart sandbox app", lang: SandboxTexts(lang: session.lang)?.htmlLang ?? "en",
            body: """
                <p>An online service asks you to sign in (\(Self.escape(session.scopes.joined(separator: ", ")))).</p>
                \(face)<p>Choose a synthetic resident to act as:</p>
                <ul class="residents">\(rows)</ul>
                """)
    }

    struct Decision: Decodable {
        var session: String
        var resident: String
        var decision: String
    }

    private func decide(_ request: Request, context: BasicRequestContext) async -> Response {
        guard let form = try? await URLEncodedFormDecoder().decode(Decision.self, from: request, context: context) else {
            return Self.page(title: "iAM Smart sandbox", status: .badRequest, body: "<p>Incomplete form.</p>")
        }
        guard let session = await ledger.takeQRSession(form.session, now: SandboxAPI.now(), lifetime: configuration.codeLifetime.inMilliseconds)
        else {
            return Self.page(
                title: "iAM Smart sandbox", status: .notFound, body: "<p>This sign-in request is unknown, expired or already decided.</p>")
        }
        var parameters: [(String, String)]
        let faults = await ledger.faults
        let asksFace = session.scopes.contains(Assurance.faceRecognitionScope)
        switch form.decision {
        case "approve" where asksFace && faults.faceRecognitionUnavailable:
            parameters = [("error", "face_recognition_unavailable")]
        case "approve" where asksFace && faults.faceRecognitionFails:
            parameters = [("error", "face_recognition_failed")]
        case "approve":
            guard let resident = configuration.residents.first(where: { $0.id == form.resident }) else {
                return Self.page(title: "iAM Smart sandbox", status: .badRequest, body: "<p>Unknown resident.</p>")
            }
            let granted = session.scopes.filter { resident.isPlus || !Assurance.signingScopes.contains($0) }
            let code = await ledger.issueCode(.init(residentID: resident.id, scopes: granted, issuedAt: SandboxAPI.now()))
            parameters = [("code", code)]
        default:
            parameters = [("error", "access_denied")]
        }
        if let state = session.state { parameters.append(("state", state)) }
        let query = parameters.map { "\($0.0)=\(Self.queryEncode($0.1))" }.joined(separator: "&")
        let separator = session.redirectURI.contains("?") ? "&" : "?"
        return Response(status: .seeOther, headers: [.location: session.redirectURI + separator + query])
    }

    /// `authByQR`: the app shows which service asks for which fields, with
    /// Approve and Decline. Nothing is shared until the resident approves.
    private func ticketPage(_ request: Request) async -> Response {
        guard !(await ledger.faults.appClosed) else {
            return Self.page(
                title: "iAM Smart sandbox app", status: .serviceUnavailable,
                body: "<p id=\"app-closed\">The iAM Smart app is closed (fault switch); nothing was recorded.</p>")
        }
        guard let id = request.uri.queryParameters["ticketID"].map(String.init), let ticket = await ledger.ticket(id) else {
            return Self.page(title: "iAM Smart sandbox app", status: .notFound, body: "<p>This data request is unknown.</p>")
        }
        let fields = ticket.fields.sorted().map { "<li><code>\(Self.escape($0))</code></li>" }.joined()
        let answer: String
        switch ticket.status {
        case .pending:
            answer = """
                <form method="post" action="/sandbox/app/ticket">
                <input type="hidden" name="ticketID" value="\(Self.escape(id))">
                <button type="submit" name="decision" value="approve" id="approve-data">Approve</button>
                <button type="submit" name="decision" value="decline" id="decline-data">Decline</button>
                </form>
                """
        case .approved: answer = "<p id=\"ticket-status\">Approved. Go back to the online service.</p>"
        case .declined: answer = "<p id=\"ticket-status\">Declined. Nothing was shared.</p>"
        }
        return Self.page(
            title: "iAM Smart sandbox app",
            body: """
                <p><strong>\(Self.escape(configuration.serviceName))</strong> asks for these details from your iAM Smart profile:</p>
                <ul class="fields">\(fields)</ul>
                \(answer)
                """)
    }

    struct TicketDecision: Decodable {
        var ticketID: String
        var decision: String
    }

    /// `POST /sandbox/app/ticket`: the resident's answer, recorded once.
    private func decideTicket(_ request: Request, context: BasicRequestContext) async -> Response {
        guard let form = try? await URLEncodedFormDecoder().decode(TicketDecision.self, from: request, context: context),
            ["approve", "decline"].contains(form.decision)
        else {
            return Self.page(title: "iAM Smart sandbox app", status: .badRequest, body: "<p>Incomplete form.</p>")
        }
        let faults = await ledger.faults
        let approve = form.decision == "approve"
        if !(approve && faults.approvalNeverComes) {
            let effectiveAt = SandboxAPI.now() + (approve ? (faults.approvalDelay?.inMilliseconds ?? 0) : 0)
            _ = await ledger.decideTicket(form.ticketID, approve: approve, effectiveAt: effectiveAt)
        }
        let said = approve ? "Approved" : "Declined"
        return Self.page(
            title: "iAM Smart sandbox app",
            body: "<p id=\"ticket-status\">\(said). Go back to the online service.</p>")
    }

    private func indexPage() -> Response {
        let rows = configuration.residents.map {
            "<li><code>\(Self.escape($0.id))</code>: \(Self.escape($0.label))</li>"
        }.joined()
        return Self.page(
            title: "iAM Smart sandbox",
            body: """
                <p>A local stand-in for iAM Smart. Client ID <code>\(Self.escape(configuration.clientID))</code>.</p>
                <p>Synthetic residents:</p><ul>\(rows)</ul>
                <form method="post" action="/sandbox/admin/faults">
                <fieldset><legend>Fault switches</legend>
                <label>Delay (ms) <input name="delayMs" value="0"></label>
                <label><input type="checkbox" name="serverError" value="1"> HTTP 503</label>
                <label><input type="checkbox" name="malformedJSON" value="1"> Malformed JSON</label>
                <label><input type="checkbox" name="dropConnection" value="1"> Close the connection mid-answer</label>
                <label><input type="checkbox" name="wrongGCMTag" value="1"> Wrong GCM tag</label>
                <label><input type="checkbox" name="rejectContentKeys" value="1"> Reject every content key</label>
                <label><input type="checkbox" name="expireKeys" value="1"> Expire the issued key now</label>
                <label><input type="checkbox" name="approvalNeverComes" value="1"> Data approval never comes</label>
                <label>Data approval late by (ms) <input name="approvalDelayMs" value="0"></label>
                <label><input type="checkbox" name="appClosed" value="1"> The app is closed</label>
                <label><input type="checkbox" name="faceRecognitionFails" value="1"> Face recognition fails</label>
                <label><input type="checkbox" name="faceRecognitionUnavailable" value="1"> Face recognition not available</label>
                <button type="submit">Apply</button></fieldset></form>
                """)
    }

    struct FaultForm: Decodable {
        var delayMs: Int?
        var serverError: String?
        var malformedJSON: String?
        var dropConnection: String?
        var wrongGCMTag: String?
        var rejectContentKeys: String?
        var expireKeys: String?
        var approvalNeverComes: String?
        var approvalDelayMs: Int?
        var appClosed: String?
        var faceRecognitionFails: String?
        var faceRecognitionUnavailable: String?
    }

    /// `POST /sandbox/admin/faults` (form): replaces the fault switches.
    private func setFaults(_ request: Request, context: BasicRequestContext) async -> Response {
        guard let form = try? await URLEncodedFormDecoder().decode(FaultForm.self, from: request, context: context) else {
            return Self.page(title: "iAM Smart sandbox", status: .badRequest, body: "<p>Unreadable fault form.</p>")
        }
        let faults = SandboxFaults(
            delay: (form.delayMs ?? 0) > 0 ? .milliseconds(form.delayMs ?? 0) : nil,
            serverError: form.serverError != nil,
            malformedJSON: form.malformedJSON != nil,
            wrongGCMTag: form.wrongGCMTag != nil,
            rejectContentKeys: form.rejectContentKeys != nil,
            approvalNeverComes: form.approvalNeverComes != nil,
            approvalDelay: (form.approvalDelayMs ?? 0) > 0 ? .milliseconds(form.approvalDelayMs ?? 0) : nil,
            appClosed: form.appClosed != nil,
            faceRecognitionFails: form.faceRecognitionFails != nil,
            faceRecognitionUnavailable: form.faceRecognitionUnavailable != nil,
            dropConnection: form.dropConnection != nil)
        await sandbox.setFaults(faults)
        if form.expireKeys != nil { await sandbox.expireContentKeys() }
        return Response(status: .seeOther, headers: [.location: "/sandbox"])
    }

    // MARK: HTML

    static func page(title: String, status: HTTPResponse.Status = .ok, lang: String = "en", body: String) -> Response {
        let html = """
            <!doctype html>
            <html lang="\(escape(lang))"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1"><title>\(escape(title))</title>
            <style>body{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}.qr{white-space:pre-wrap;word-break:break-all}li{margin:.5em 0}.qr{border:4px solid #000;padding:1em;display:inline-block}</style>
            </head><body><h1>\(escape(title))</h1>
            <p><em>Sandbox: synthetic data only, not the real iAM Smart.</em></p>
            \(body)
            </body></html>
            """
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    static func queryEncode(_ value: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
