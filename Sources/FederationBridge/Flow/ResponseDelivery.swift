@preconcurrency import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import PIAChecks
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
    /// For the recipient's name on the "sent to X" page.
    let policies: PolicyStore
    /// Failures that end here without a transfer-log entry are kept for reviewers.
    let failures: FailureRecorder
    var policy: Policy { policies.current }

    /// Runs a resident step, turning a `FlowError` into its page (and, when
    /// the relying party can be told, a SAML status on the way back).
    func answer(_ request: Request, _ context: BridgeRequestContext, _ step: () async throws -> Hummingbird.Response) async -> Hummingbird.Response {
        do {
            return try await step()
        } catch let error as FlowError {
            context.logger.warning(
                "flow step refused", metadata: ["reference": "\(context.id)", "code": "\(error.code.rawValue)", "detail": "\(error.detail)"])
            return await errorResponse(error, request: request, context: context)
        } catch {
            context.logger.error("flow step failed", metadata: ["reference": "\(context.id)", "error.type": "\(type(of: error))"])
            let failure = FlowError(.internalFailure, .internalServerError, .internal, "unexpected \(type(of: error)); see the log")
            return await errorResponse(failure, request: request, context: context)
        }
    }

    /// Sends a status-only Response back to the relying party.
    func deliver(
        status: SAMLStatus, route: FlowRoute, notice: DeliveryNotice, context: BridgeRequestContext, request: Request,
        httpStatus: HTTPResponse.Status = .ok, reference: String? = nil
    ) async throws -> Hummingbird.Response {
        try await deliver(
            responseXML: try statusResponse(status, route: route), route: route, notice: notice, context: context, request: request,
            httpStatus: httpStatus, reference: reference)
    }

    /// Ends a flow whose outcome is not in the transfer log (the resident
    /// cancelled, declined or let the data request expire at iAM Smart): the
    /// failure is recorded under the flow reference the page shows, so a
    /// reviewer searching it finds what happened, then the status goes back.
    func deliverUnlogged(
        status: SAMLStatus, code: String, notice: DeliveryNotice, kind: ResidentErrorKind, route: FlowRoute, flowID: String,
        context: BridgeRequestContext, request: Request
    ) async throws -> Hummingbird.Response {
        await failures.record(
            FailureRecord(reference: flowID, time: clock.now(), code: code, kind: kind, partner: route.relyingParty, flowReference: flowID),
            logger: context.logger)
        return try await deliver(status: status, route: route, notice: notice, context: context, request: request, reference: flowID)
    }

    /// Delivers a Response to the ACS from metadata. HTTP-POST: the return
    /// page, whose form a hash-allowed script submits (a visible button
    /// without script). HTTP-Artifact: the Response waits, sealed, for one
    /// ArtifactResolve; the browser carries only the artifact. `notice` nil
    /// means an Assertion was issued: the page says "sent to" the recipient.
    /// `reference`: the flow reference when the flow's outcome is in the
    /// transfer log (a reviewer finds it), else the request ID of an error.
    func deliver(
        responseXML: Data, route: FlowRoute, notice: DeliveryNotice?, context: BridgeRequestContext, request: Request,
        httpStatus: HTTPResponse.Status = .ok, reference: String? = nil
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
                components.queryItems =
                    existing + [URLQueryItem(name: "SAMLart", value: artifact.encoded)]
                    + (route.relayState.map { [URLQueryItem(name: "RelayState", value: $0)] } ?? [])
                let encoded = components.percentEncodedQuery ?? ""
                components.percentEncodedQuery = encoded.replacingOccurrences(of: "+", with: "%2B")
                return Hummingbird.Response(status: .seeOther, headers: [.location: components.string ?? route.acsURL, .cacheControl: "no-store"])
            }
        } else {
            fields = [("SAMLResponse", POSTBinding.encode(responseXML))]
        }
        if let relayState = route.relayState { fields.append(("RelayState", relayState)) }
        let recipient = policy.recipient(entityID: route.relyingParty)?.name(in: context.language.rawValue) ?? route.relyingParty
        let (heading, lead) = (notice ?? .sent(recipient: recipient)).texts(context.language)
        return renderer.response(
            .returning(ReturnPage(action: route.acsURL, fields: fields, heading: heading, lead: lead, reference: reference)),
            language: context.language, path: request.uri.path, status: httpStatus)
    }

    /// The store key of an artifact: bound to the relying party it was made
    /// for, so another party's ArtifactResolve does not even find it.
    static func artifactKey(_ handle: Data, relyingParty: String) -> String {
        var data = Data(relyingParty.utf8)
        data.append(0)
        data.append(handle)
        return "artifact-" + SHA256.hash(data: data).hex
    }

    /// The error page: what happened and what to do, in the resident's
    /// language, with one reference (the request ID, which every log line of
    /// the refusal carries) and no internal text; the code is in the
    /// `FB-Error` header for partners' tooling. When the relying party is
    /// known, the page also carries a signed SAML status back to it. The
    /// failure is recorded under that reference for reviewers.
    func errorResponse(_ error: FlowError, request: Request, context: BridgeRequestContext) async -> Hummingbird.Response {
        let reference = context.id
        await failures.record(
            FailureRecord(
                reference: reference, time: clock.now(), code: error.code.rawValue, kind: error.residentKind,
                partner: error.route?.relyingParty, flowReference: error.flowID),
            logger: context.logger)
        var response: Hummingbird.Response
        if let route = error.route, let status = error.samlStatus,
            let delivered = try? await deliver(
                status: status, route: route, notice: .failed(error.residentKind), context: context, request: request,
                httpStatus: error.status, reference: reference)
        {
            response = delivered
        } else {
            response = renderer.response(
                .error(ErrorPage(kind: error.residentKind, reference: reference)), language: context.language, path: request.uri.path,
                status: error.status)
        }
        if let name = HTTPField.Name(FlowError.header) { response.headers[name] = error.code.rawValue }
        return response
    }

    /// How long a bearer assertion may be presented.
    static let assertionLifetime: TimeInterval = 300

    /// The signed (and, when the relying party has a key, encrypted) Response.
    /// Called only after the verdict is in the transfer log. `sessionIndex`
    /// names the relying party's part of the IdP session, for Single Logout.
    func issueResponse(
        route: FlowRoute, release: PreparedRelease, assertionID: String, sessionIndex: String, encrypter: AssertionEncrypter?, now: Date
    ) throws -> Data {
        let until = now.addingTimeInterval(Self.assertionLifetime)
        let assertion = Assertion(
            id: assertionID, issueInstant: now, issuer: configuration.entityID,
            nameID: NameID(
                value: release.pairwiseNameID, format: NameID.persistent, nameQualifier: configuration.entityID,
                spNameQualifier: route.relyingParty),
            subjectConfirmations: [
                SubjectConfirmation(recipient: route.acsURL, notOnOrAfter: until, inResponseTo: route.requestID)
            ],
            conditions: Conditions(notBefore: now.addingTimeInterval(-30), notOnOrAfter: until, audiences: [route.relyingParty]),
            authnStatement: AuthnStatement(
                authnInstant: release.authnInstant, sessionIndex: sessionIndex, contextClassRef: release.authnContextClass.rawValue),
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
