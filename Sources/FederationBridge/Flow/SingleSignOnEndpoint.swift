import Foundation
import Hummingbird
import IAMSmart
import PIAChecks
import SAMLMapper

/// `GET|POST /saml/sso` and `GET /start`: the AuthnRequest in, a flow opened,
/// and the hand-off to iAM Smart.
struct SingleSignOnEndpoint: Sendable {
    let configuration: BridgeConfiguration
    let policies: PolicyStore
    /// The policy in force for this request (reloaded on SIGHUP).
    var policy: Policy { policies.current }
    let registry: PartnerMetadataRegistry
    let iamSmart: IAMSmartClient
    /// The replay cache lives in the shared store.
    let replayCache: any StateStore
    let flows: FlowStore
    let renderer: PageRenderer
    let clock: FlowClock

    var ssoURL: String { configuration.baseURLWithoutTrailingSlash + "/saml/sso" }

    /// `GET|POST /saml/sso`: validates the AuthnRequest (issuer from metadata,
    /// signature, Destination, IssueInstant, ACS from metadata, replay),
    /// opens a flow and shows the start page that hands over to iAM Smart.
    func singleSignOn(_ request: Request, _ context: BridgeRequestContext, post: Bool) async throws -> Hummingbird.Response {
        let now = clock.now()
        // Built after the issuer's metadata is looked up (metadata query service).
        var validator: AuthnRequestValidator {
            AuthnRequestValidator(
                ssoEndpoints: [ssoURL], serviceProviders: registry.serviceProviders(now: now),
                clockSkew: Double(configuration.saml.clockSkew.components.seconds),
                supportedNameIDFormats: [NameID.persistent])
        }
        let accepted: AuthnRequestValidator.Accepted
        let relayState: String?
        do {
            if post {
                let form = try await FormFields.from(request, limit: 512 * 1024)
                guard let encoded = form["SAMLRequest"] else { throw BindingError.missingMessage }
                let xml = try POSTBinding.decode(encoded)
                await registry.resolveIssuer(of: xml, now: now)
                accepted = try validator.validate(post: xml, now: now)
                relayState = form["RelayState"]
            } else {
                let message = try RedirectBinding.decode(query: request.uri.query ?? "")
                await registry.resolveIssuer(of: message.xml, now: now)
                accepted = try validator.validate(redirect: message, now: now)
                relayState = message.relayState
            }
        } catch {
            throw FlowError.fromAuthnRequest(error)
        }
        let issuer = accepted.serviceProvider.entityID
        let saml = accepted.request
        guard let binding = ResponseBinding(metadataBinding: accepted.assertionConsumerService.binding) else {
            throw FlowError(
                .unsupportedRequest, .badRequest, .invalidRequest, "ACS binding \(accepted.assertionConsumerService.binding) is not supported")
        }
        // The request is verified and its ACS known: from here on every
        // refusal is also a signed SAML status Response at that ACS.
        let requestExtension = try? RequestExtension(saml.extensions)
        var route = FlowRoute(
            requestID: saml.id, relyingParty: issuer, acsURL: accepted.assertionConsumerService.location,
            binding: binding, relayState: relayState, purposeID: requestExtension?.purposeID ?? "",
            nameIDFormat: accepted.nameIDFormat, requestedAuthnContext: RequestedContext(saml.requestedAuthnContext),
            claimMode: !(requestExtension?.claims.isEmpty ?? true))
        if let relayState, relayState.utf8.count > 80 {
            route.relayState = nil
            throw FlowError(
                .malformedRequest, .badRequest, .invalidRequest, "RelayState is longer than 80 bytes (SAML bindings §3.4.3)",
                saml: FlowError.requester(SAMLStatus.requestUnsupported, "RelayState longer than 80 bytes"), route: route)
        }
        // Opaque to us, but it is echoed into a form field or a Location
        // query: a control character in it can only be an injection attempt.
        if let relayState, relayState.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            route.relayState = nil
            throw FlowError(
                .malformedRequest, .badRequest, .invalidRequest, "RelayState contains control characters",
                saml: FlowError.requester(SAMLStatus.requestUnsupported, "RelayState contains control characters"), route: route)
        }
        guard let requestExtension else {
            throw FlowError(
                .malformedRequest, .badRequest, .invalidRequest, "the fb:Request extension is unreadable",
                saml: FlowError.requester(SAMLStatus.requestUnsupported, "the fb:Request extension is unreadable"), route: route)
        }
        let purposeID = requestExtension.purposeID ?? (policy.purposes.count == 1 ? policy.purposes[0].id : "")
        route.purposeID = purposeID
        guard let purpose = policy.purpose(id: purposeID) else {
            throw FlowError(
                .purposeUnknown, .badRequest, .invalidRequest,
                "purpose '\(purposeID)' requested by \(issuer) is not in the privacy policy; name a registered purpose in fb:Request/fb:Purpose",
                saml: FlowError.requester(SAMLStatus.requestDenied, "purpose not registered"), route: route)
        }
        guard policy.recipient(entityID: issuer) != nil else {
            throw FlowError(
                .recipientNotInPolicy, .forbidden, .unknownPartner,
                "\(issuer) has metadata but is not a recipient in the privacy policy; register it (with its Standard Contract filing) first",
                saml: FlowError.requester(SAMLStatus.requestDenied, "not a registered recipient"), route: route)
        }
        guard AuthnContextClass.ladder.isSatisfiable(saml.requestedAuthnContext) else {
            throw FlowError(
                .authnContextUnavailable, .forbidden, .assuranceNotMet,
                "RequestedAuthnContext \(saml.requestedAuthnContext?.comparison.rawValue ?? "") "
                    + "\(saml.requestedAuthnContext?.classRefs.joined(separator: " ") ?? "") cannot be met by any iAM Smart sign-in; "
                    + "see docs/profile.md for the classes we assert",
                saml: SAMLStatus(
                    code: SAMLStatus.responder, subCode: SAMLStatus.noAuthnContext, message: "no sign-in here meets the requested context"),
                route: route)
        }

        // Everything checked: from here on the request changes state, once.
        let replayKey = "authn:\(issuer):\(saml.id)"
        let replayUntil = saml.issueInstant.addingTimeInterval(2 * Double(configuration.saml.clockSkew.components.seconds) + 60)
        guard try await replayCache.insertIfAbsent(replayID: replayKey, expiresAt: replayUntil, now: now) else {
            throw FlowError(
                .replayedRequest, .badRequest, .invalidRequest,
                "AuthnRequest ID \(saml.id) from \(issuer) was already used; each request must carry a fresh ID",
                saml: FlowError.requester(SAMLStatus.requestDenied, "AuthnRequest ID already used"), route: route)
        }
        let flowID = FlowID.random()
        let log = context.logger(flowID: flowID.value)
        // A phone's browser is handed to the app on the same phone; a desktop gets the QR code.
        let source = AuthorizationSource(userAgent: request.headers[.userAgent])
        let (pending, _) = iamSmart.beginAuthorization(flowID: flowID.value, source: source)
        let expiresAt = now.addingTimeInterval(Double(configuration.flow.lifetime.components.seconds))
        let state = FlowState(
            flowID: flowID.value, phase: .awaitingIAMSmart, route: route, claims: requestExtension.claims,
            pending: pending, release: nil, createdAt: now, expiresAt: expiresAt)
        try await flows.create(state)
        // A fresh session for the new flow: whatever ID the browser came with is dropped.
        let sessionCookie = try await flows.rotateSession(context, pointer: FlowPointer(flowID: flowID.value, route: route, flowExpiresAt: expiresAt))
        log.info(
            "authn request accepted",
            metadata: [
                "rp": "\(issuer)", "binding": "\(route.binding.rawValue)", "purpose": "\(purpose.id)", "signed": "\(accepted.wasSigned)",
                "claims": "\(route.claimMode)", "source": "\(source.rawValue)",
            ])
        var response = Hummingbird.Response(status: .seeOther, headers: [.location: "/start", .cacheControl: "no-store"])
        response.setCookie(sessionCookie)
        return response
    }

    /// `GET /start`: who asks, for what, and the hand-off to iAM Smart.
    func startPage(_ request: Request, _ context: BridgeRequestContext) async throws -> Hummingbird.Response {
        let (_, state) = try await flows.current(context)
        guard state.phase == .awaitingIAMSmart, let pending = state.pending else {
            throw FlowError(.unexpectedStep, .conflict, .sessionExpired, "flow \(state.flowID) is past the iAM Smart step")
        }
        let recipient = policy.recipient(entityID: state.route.relyingParty)
        let purpose = policy.purpose(id: state.route.purposeID)
        return renderer.response(
            .start(
                recipientName: recipient?.name(in: context.language.rawValue) ?? state.route.relyingParty,
                purpose: purpose?.descriptions[context.language.rawValue] ?? state.route.purposeID,
                continueURL: iamSmart.authorizationURL(for: pending, lang: context.language.iamSmartLang).absoluteString),
            language: context.language, path: request.uri.path)
    }
}
