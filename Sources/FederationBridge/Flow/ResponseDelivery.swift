@preconcurrency import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import SAMLMapper

/// Everything that answers a relying party or shows the resident where the
/// answer goes: signed Responses (with an Assertion only after the verdict
/// is logged), status Responses, HTTP-POST and HTTP-Artifact delivery, and
/// the error page that carries a refusal back to the ACS.
struct ResponseDelivery: Sendable {
    let configuration: BridgeConfiguration
    let renderer: PageRenderer
    let vault: StateVault
    let keys: IdPKeyMaterial
    let clock: FlowClock

    /// Runs a resident step, turning a `FlowError` into its page (and, when
    /// the relying party can be told, a SAML status on the way back).
    func answer(_ request: Request, _ context: BridgeRequestContext, _ step: () async throws -> Hummingbird.Response) async -> Hummingbird.Response {
        do {
            return try await step()
        } catch let error as FlowError {
            context.logger.warning("flow step refused", metadata: ["code": "\(error.code.rawValue)", "detail": "\(error.detail)"])
            return await errorResponse(error, request: request, context: context)
        } catch {
            context.logger.error("flow step failed", metadata: ["error.type": "\(type(of: error))"])
            let failure = FlowError(.internalFailure, .internalServerError, .internal, "unexpected \(type(of: error)); see the log")
            return await errorResponse(failure, request: request, context: context)
        }
    }

    /// Sends a status-only Response back to the relying party.
    func deliver(
        status: SAMLStatus, route: FlowRoute, notice: DeliveryNotice, context: BridgeRequestContext, request: Request,
        httpStatus: HTTPResponse.Status = .ok, operatorNote: String? = nil
    ) async throws -> Hummingbird.Response {
        try await deliver(
            responseXML: try statusResponse(status, route: route), route: route, notice: notice, context: context, request: request,
            httpStatus: httpStatus, operatorNote: operatorNote)
    }

    /// Delivers a Response to the ACS from metadata. HTTP-POST: a form the
    /// resident submits with a visible button (no script needed).
    /// HTTP-Artifact: the Response waits, sealed, for one ArtifactResolve; the
    /// browser carries only the artifact.
    func deliver(
        responseXML: Data, route: FlowRoute, notice: DeliveryNotice?, context: BridgeRequestContext, request: Request,
        httpStatus: HTTPResponse.Status = .ok, operatorNote: String? = nil
    ) async throws -> Hummingbird.Response {
        var fields: [(name: String, value: String)]
        if route.binding == .artifact {
            let artifact = SAMLArtifact(entityID: configuration.entityID, endpointIndex: 0)
            let expires = clock.now().addingTimeInterval(Double(configuration.saml.artifactLifetime.components.seconds))
            try await vault.putArtifact(
                handle: Self.artifactKey(artifact.messageHandle, relyingParty: route.relyingParty), payload: responseXML, expiresAt: expires)
            fields = [("SAMLart", artifact.encoded)]
            if notice == nil {
                var components = URLComponents(string: route.acsURL) ?? URLComponents()
                let existing = components.queryItems ?? []
                components.queryItems = existing + [URLQueryItem(name: "SAMLart", value: artifact.encoded)]
                    + (route.relayState.map { [URLQueryItem(name: "RelayState", value: $0)] } ?? [])
                let encoded = components.percentEncodedQuery ?? ""
                components.percentEncodedQuery = encoded.replacingOccurrences(of: "+", with: "%2B")
                return Hummingbird.Response(status: .seeOther, headers: [.location: components.string ?? route.acsURL, .cacheControl: "no-store"])
            }
        } else {
            fields = [("SAMLResponse", POSTBinding.encode(responseXML))]
        }
        if let relayState = route.relayState { fields.append(("RelayState", relayState)) }
        var response = renderer.response(
            .samlPost(action: route.acsURL, fields: fields), language: context.language, path: request.uri.path, status: httpStatus)
        if let notice {
            let html = renderer.html(.samlPost(action: route.acsURL, fields: fields), language: context.language, path: request.uri.path)
            let (heading, lead) = notice.texts(PageStrings.table(for: context.language))
            let section = "<section class=\"notice\" id=\"outcome\"><h2>\(Self.escape(heading))</h2><p>\(Self.escape(lead))</p></section>\n"
            var page = Self.insert(section, afterMainIn: html)
            if let operatorNote { page = Self.insert(operatorNote, beforeMainEndIn: page) }
            response.body = .init(byteBuffer: ByteBuffer(string: page))
        }
        return response
    }

    /// The store key of an artifact: bound to the relying party it was made
    /// for, so another party's ArtifactResolve does not even find it.
    static func artifactKey(_ handle: Data, relyingParty: String) -> String {
        var data = Data(relyingParty.utf8)
        data.append(0)
        data.append(handle)
        return "artifact-" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Inserts `html` right after the page's `<main …>` tag.
    static func insert(_ html: String, afterMainIn page: String) -> String {
        guard let open = page.range(of: "<main"), let close = page.range(of: ">", range: open.upperBound..<page.endIndex) else {
            return page
        }
        var result = page
        result.insert(contentsOf: "\n" + html, at: close.upperBound)
        return result
    }

    /// Inserts `html` right before `</main>`.
    static func insert(_ html: String, beforeMainEndIn page: String) -> String {
        guard let end = page.range(of: "</main>") else { return page }
        var result = page
        result.insert(contentsOf: html + "\n", at: end.lowerBound)
        return result
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The error page: what happened and what to do for the resident, the
    /// code and operator detail in a note and the `FB-Error` header, and,
    /// when the relying party is known, a signed SAML status to take back.
    func errorResponse(_ error: FlowError, request: Request, context: BridgeRequestContext) async -> Hummingbird.Response {
        let reference = error.route.map(\.requestID) ?? context.id
        let note = "<p class=\"note\" id=\"operator-detail\">\(Self.escape(PageStrings.table(for: context.language)["error.reference"] ?? "")): <code>\(Self.escape(error.code.rawValue))</code> \(Self.escape(error.detail))</p>"
        var response: Hummingbird.Response
        if let route = error.route, let status = error.samlStatus,
           let delivered = try? await deliver(
               status: status, route: route, notice: .failed(error.residentKind), context: context, request: request,
               httpStatus: error.status, operatorNote: note)
        {
            response = delivered
        } else {
            let page = ResidentPage.error(ErrorPage(kind: error.residentKind, reference: reference))
            response = renderer.response(page, language: context.language, path: request.uri.path, status: error.status)
            let html = renderer.html(page, language: context.language, path: request.uri.path)
            response.body = .init(byteBuffer: ByteBuffer(string: Self.insert(note, beforeMainEndIn: html)))
        }
        if let name = HTTPField.Name(FlowError.header) { response.headers[name] = error.code.rawValue }
        return response
    }

    /// How long a bearer assertion may be presented.
    static let assertionLifetime: TimeInterval = 300

    /// The signed (and, when the relying party has a key, encrypted) Response.
    /// Called only after the verdict is in the transfer log.
    func issueResponse(
        route: FlowRoute, release: PreparedRelease, assertionID: String, encrypter: AssertionEncrypter?, now: Date
    ) throws -> Data {
        let until = now.addingTimeInterval(Self.assertionLifetime)
        let assertion = Assertion(
            id: assertionID, issueInstant: now, issuer: configuration.entityID,
            nameID: NameID(
                value: release.pairwiseNameID, format: NameID.persistent, nameQualifier: configuration.entityID,
                spNameQualifier: route.relyingParty),
            subjectConfirmations: [
                SubjectConfirmation(recipient: route.acsURL, notOnOrAfter: until, inResponseTo: route.requestID),
            ],
            conditions: Conditions(notBefore: now.addingTimeInterval(-30), notOnOrAfter: until, audiences: [route.relyingParty]),
            authnStatement: AuthnStatement(
                authnInstant: release.authnInstant, sessionIndex: SAMLIdentifier.make(), contextClassRef: release.authnContextClassRef),
            attributes: release.attributes.map(\.attribute))
        let response = SAMLMapper.Response(
            inResponseTo: route.requestID, destination: route.acsURL, issueInstant: now, issuer: configuration.entityID,
            assertions: [assertion])
        return try response.signedXML(
            keys.signer, protection: SAMLMapper.Response.Protection(signAssertions: true, signResponse: true, encrypter: encrypter))
    }

    /// A signed Response carrying only a status (refusal, decline, error).
    func statusResponse(_ status: SAMLStatus, route: FlowRoute) throws -> Data {
        let response = SAMLMapper.Response(
            inResponseTo: route.requestID, destination: route.acsURL, issueInstant: clock.now(), issuer: configuration.entityID,
            status: status, assertions: [])
        return try response.signedXML(keys.signer, protection: SAMLMapper.Response.Protection(signAssertions: false, signResponse: true))
    }
}
