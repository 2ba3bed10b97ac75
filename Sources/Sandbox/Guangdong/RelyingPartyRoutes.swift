import Foundation
import Hummingbird
import SAMLMapper

/// The relying party's pages and SAML endpoints. Plain forms, no JavaScript.
struct RelyingPartyRoutes: Sendable {
    let party: GuangdongRelyingParty

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in startPage() }
        router.post("/login") { request, _ in try await login(request) }
        router.post("/acs/post") { request, _ in try await acsPost(request) }
        router.get("/acs/artifact") { request, _ in
            await acsArtifact(request.uri.queryParameters["SAMLart"].map(String.init))
        }
        router.post("/acs/artifact") { request, _ in
            let form = try await Self.form(request)
            return await acsArtifact(form["SAMLart"])
        }
        router.post("/logout") { request, _ in try await logout(request) }
        router.get("/slo") { request, _ in await sloRedirect(request.uri.query ?? "") }
        router.post("/slo") { request, _ in try await sloPost(request) }
        router.get("/metadata") { _, _ in
            let base = try await party.baseURL()
            return Hummingbird.Response(
                status: .ok, headers: [.contentType: "application/samlmetadata+xml"],
                body: .init(byteBuffer: ByteBuffer(data: party.metadataWriter(baseURL: base).unsignedXML())))
        }
    }

    private func startPage() -> Hummingbird.Response {
        Self.page(
            title: "Guangdong platform (sandbox): sign in",
            body: """
                <p>Open a real-name account on the Guangdong Unified Identity Authentication Platform with iAM Smart.</p>
                <form method="post" action="/login">
                <fieldset><legend>Usable but not visible (optional)</legend>
                <p><label><input type="checkbox" name="claimCheck" value="1" id="claim-check"> Only check these claimed values; do not receive the name</label></p>
                <p><label>Claimed name <input name="claimedName" value="SANDBOX, Basic Adult"></label></p>
                <p><label>Claimed date of birth <input name="claimedBirthDate" value="1985-03-12"></label></p>
                </fieldset>
                <p><button type="submit" name="binding" value="post" id="login-post">HTTP-POST</button>
                <button type="submit" name="binding" value="artifact" id="login-artifact">HTTP-Artifact</button></p>
                </form>
                """)
    }

    private func login(_ request: Request) async throws -> Hummingbird.Response {
        let form = try await Self.form(request)
        let binding: RelyingPartyOutcome.Binding = form["binding"] == "artifact" ? .artifact : .post
        var claims: GuangdongRelyingParty.Claims?
        if form["claimCheck"] == "1" {
            claims = .init(name: form["claimedName"], birthDate: form["claimedBirthDate"])
        }
        let (url, _) = try await party.authnRequestURL(binding: binding, claims: claims, relayState: "gd-" + SAMLIdentifier.make())
        return Hummingbird.Response(status: .seeOther, headers: [.location: url])
    }

    private func acsPost(_ request: Request) async throws -> Hummingbird.Response {
        let form = try await Self.form(request)
        guard let encoded = form["SAMLResponse"], let xml = try? POSTBinding.decode(encoded) else {
            return Self.page(
                title: "Guangdong platform (sandbox): nothing received", status: .badRequest, body: "<p>No SAMLResponse in the form.</p>")
        }
        return Self.resultPage(await party.accept(responseXML: xml, binding: .post))
    }

    private func acsArtifact(_ artifact: String?) async -> Hummingbird.Response {
        guard let artifact, !artifact.isEmpty else {
            return Self.page(title: "Guangdong platform (sandbox): nothing received", status: .badRequest, body: "<p>No SAMLart.</p>")
        }
        do {
            let xml = try await party.resolve(artifact: artifact)
            return Self.resultPage(await party.accept(responseXML: xml, binding: .artifact))
        } catch {
            return Self.page(
                title: "Guangdong platform (sandbox): artifact not resolved", status: .badGateway,
                body: "<p id=\"outcome\">artifact-failed</p><p>\(Self.escape("\(error)"))</p><p><a href=\"/\">Start again</a></p>")
        }
    }

    // MARK: Single Logout

    private func logout(_ request: Request) async throws -> Hummingbird.Response {
        let form = try await Self.form(request)
        let binding = form["binding"] == "post" ? MetadataEndpoint.postBinding : MetadataEndpoint.redirectBinding
        let index = form["sessionIndex"].flatMap { $0.isEmpty ? nil : $0 }
        return Self.send(try await party.logoutRequest(binding: binding, sessionIndex: index, relayState: "gd-" + SAMLIdentifier.make()))
    }

    private func sloRedirect(_ query: String) async -> Hummingbird.Response {
        let message: RedirectBinding.Message
        do {
            message = try RedirectBinding.decode(query: query)
        } catch {
            return Self.page(
                title: "Guangdong platform (sandbox): logout message unreadable", status: .badRequest, body: "<p>\(Self.escape("\(error)"))</p>")
        }
        let trusted = party.verifier.trustedKeys
        let (record, answer) = await party.receiveLogout(
            xml: message.xml, parameter: message.parameter, binding: MetadataEndpoint.redirectBinding,
            signatureCheck: {
                try RedirectBinding.verifySignature(message, trustedKeys: trusted)
                return try XMLDocument(parsing: message.xml).root
            }, relayState: message.relayState)
        return answer.map(Self.send) ?? Self.logoutPage(record)
    }

    private func sloPost(_ request: Request) async throws -> Hummingbird.Response {
        let form = try await Self.form(request)
        let parameter = form["SAMLRequest"] != nil ? "SAMLRequest" : "SAMLResponse"
        guard let encoded = form[parameter], let xml = try? POSTBinding.decode(encoded) else {
            return Self.page(
                title: "Guangdong platform (sandbox): nothing received", status: .badRequest, body: "<p>No SAML message in the form.</p>")
        }
        let verifier = party.verifier
        let (record, answer) = await party.receiveLogout(
            xml: xml, parameter: parameter, binding: MetadataEndpoint.postBinding,
            signatureCheck: {
                let root = try XMLDocument(parsing: xml).root
                guard !root.children("Signature", in: XMLNamespaces.ds).isEmpty else {
                    throw GuangdongSandboxError.check("the message is not signed")
                }
                return try verifier.verify(root)
            }, relayState: form["RelayState"])
        return answer.map(Self.send) ?? Self.logoutPage(record)
    }

    /// A logout message on its way to the bridge: a redirect, or a form to submit (no script here).
    static func send(_ message: RelyingPartyLogoutMessage) -> Hummingbird.Response {
        switch message {
        case .redirect(let url, _):
            return Hummingbird.Response(status: .seeOther, headers: [.location: url])
        case .post(let action, let fields, _):
            let inputs = fields.map { "<input type=\"hidden\" name=\"\(escape($0.name))\" value=\"\(escape($0.value))\">" }.joined()
            return page(
                title: "Guangdong platform (sandbox): logging out",
                body: "<form method=\"post\" action=\"\(escape(action))\">\(inputs)<button type=\"submit\" id=\"continue\">Continue</button></form>")
        }
    }

    static func logoutPage(_ record: RelyingPartyLogout) -> Hummingbird.Response {
        let status = [record.statusCode, record.subStatusCode].compactMap { $0?.split(separator: ":").last.map(String.init) }
        let done = record.verified && record.isSuccess
        let verification =
            record.verified
            ? "Verification passed: signature, Issuer, Destination and InResponseTo."
            : "Verification FAILED: \(escape(record.problem ?? "unknown"))"
        return page(
            title: "Guangdong platform (sandbox): \(done ? "signed out" : "sign-out not confirmed")",
            body: """
                <p id="logout">\(done ? "logged-out" : "logout-failed")</p>
                <p>SAML status: <code id="status">\(escape(status.joined(separator: " / ")))</code></p>
                <p id="verification">\(verification)</p>
                <p><a href="/">Start again</a></p>
                """)
    }

    static func resultPage(_ outcome: RelyingPartyOutcome) -> Hummingbird.Response {
        let checks =
            outcome.verified
            ? "<p id=\"verification\">Verification passed: Response signature, Assertion signature\(outcome.encrypted ? ", decryption" : ""), audience, recipient, times and InResponseTo.</p>"
            : "<p id=\"verification\">Verification FAILED: \(escape(outcome.problem ?? "unknown"))</p>"
        guard outcome.isSuccess, outcome.verified else {
            let status = [outcome.statusCode, outcome.subStatusCode].compactMap { $0?.split(separator: ":").last.map(String.init) }
            return page(
                title: "Guangdong platform (sandbox): not signed in",
                body: """
                    <p id="outcome">not-signed-in</p>
                    <p>Binding: \(outcome.binding.rawValue)</p>
                    <p>SAML status: <code id="status">\(escape(status.joined(separator: " / ")))</code></p>
                    <p>Reason given by the bridge: <span id="reason">\(escape(outcome.statusMessage ?? "none"))</span></p>
                    \(checks)
                    <p><a href="/">Start again</a></p>
                    """)
        }
        let rows = outcome.attributes.map { attribute in
            "<tr><th scope=\"row\"><code>\(escape(attribute.name))</code></th><td>\(attribute.values.map { "<code>\(escape($0))</code>" }.joined(separator: " "))</td></tr>"
        }.joined(separator: "\n")
        return page(
            title: "Guangdong platform (sandbox): signed in",
            body: """
                <p id="outcome">signed-in</p>
                <p>Binding: \(outcome.binding.rawValue)</p>
                \(checks)
                <p>Pairwise NameID: <code id="nameid">\(escape(outcome.nameID ?? ""))</code></p>
                <p>Session: <code id="session-index">\(escape(outcome.sessionIndex ?? ""))</code></p>
                <form method="post" action="/logout"><input type="hidden" name="sessionIndex" value="\(escape(outcome.sessionIndex ?? ""))">
                <button type="submit" name="binding" value="redirect" id="logout-redirect">Sign out (HTTP-Redirect)</button>
                <button type="submit" name="binding" value="post" id="logout-post">Sign out (HTTP-POST)</button></form>
                <table><thead><tr><th scope="col">Attribute</th><th scope="col">Value</th></tr></thead><tbody>
                \(rows)
                </tbody></table>
                <p><a href="/">Start again</a></p>
                """)
    }

    // MARK: Helpers

    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 512 * 1024)
        var values: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let name = decode(parts[0])
            if values[name] == nil { values[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return values
    }

    static func page(title: String, status: HTTPResponse.Status = .ok, body: String) -> Hummingbird.Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>\(escape(title))</title>
            <style>body{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.5}button{font-size:1.1em;padding:.4em 1em;margin-right:1em}td,th{border-bottom:1px solid #ccc;padding:.2em .6em;text-align:left}code{word-break:break-all}</style>
            </head><body><h1>\(escape(title))</h1>
            <p><em>Sandbox relying party: synthetic data only.</em></p>
            \(body)
            </body></html>
            """
        return Hummingbird.Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
