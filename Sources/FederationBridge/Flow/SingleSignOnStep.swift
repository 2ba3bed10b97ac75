import Foundation
import Hummingbird
import IAMSmart
import PIAChecks
import SAMLMapper

extension FederationFlow {
    /// `GET|POST /saml/sso`: validates the AuthnRequest (issuer from metadata,
    /// signature, Destination, IssueInstant, ACS from metadata, replay),
    /// opens a flow and shows the start page that hands over to iAM Smart.
    func singleSignOn(_ request: Request, _ context: BridgeRequestContext, post: Bool) async throws -> Hummingbird.Response {
        let now = clock.now()
        let validator = AuthnRequestValidator(
            ssoEndpoints: [ssoURL], serviceProviders: registry.serviceProviders(now: now),
            clockSkew: Double(configuration.saml.clockSkew.components.seconds),
            supportedNameIDFormats: [NameID.persistent], authnContextClassRefs: Self.authnContextClassRefs)
        let accepted: AuthnRequestValidator.Accepted
        let relayState: String?
        do {
            if post {
                let form = try await FormFields.from(request, limit: 512 * 1024)
                guard let encoded = form["SAMLRequest"] else { throw BindingError.missingMessage }
                accepted = try validator.validate(post: try POSTBinding.decode(encoded), now: now)
                relayState = form["RelayState"]
            } else {
                let message = try RedirectBinding.decode(query: request.uri.query ?? "")
                accepted = try validator.validate(redirect: message, now: now)
                relayState = message.relayState
            }
        } catch {
            throw FlowError.fromAuthnRequest(error)
        }
        let issuer = accepted.serviceProvider.entityID
        let saml = accepted.request
        if let relayState, relayState.utf8.count > 80 {
            throw FlowError(.malformedRequest, .badRequest, .invalidRequest, "RelayState is longer than 80 bytes (SAML bindings §3.4.3)")
        }
        let requestExtension: RequestExtension
        do {
            requestExtension = try RequestExtension(saml.extensions)
        } catch {
            throw FlowError(.malformedRequest, .badRequest, .invalidRequest, "the fb:Request extension is unreadable: \(error)")
        }
        let purposeID = requestExtension.purposeID ?? (policy.purposes.count == 1 ? policy.purposes[0].id : "")
        guard let purpose = policy.purpose(id: purposeID) else {
            throw FlowError(
                .purposeUnknown, .badRequest, .invalidRequest,
                "purpose '\(purposeID)' requested by \(issuer) is not in the privacy policy; name a registered purpose in fb:Request/fb:Purpose")
        }
        guard let recipient = policy.recipient(entityID: issuer) else {
            throw FlowError(
                .recipientNotInPolicy, .forbidden, .unknownPartner,
                "\(issuer) has metadata but is not a recipient in the privacy policy; register it (with its Standard Contract filing) first")
        }
        guard accepted.assertionConsumerService.binding == MetadataEndpoint.postBinding
            || accepted.assertionConsumerService.binding == MetadataEndpoint.artifactBinding
        else {
            throw FlowError(.unsupportedRequest, .badRequest, .invalidRequest, "ACS binding \(accepted.assertionConsumerService.binding) is not supported")
        }

        // Everything checked: from here on the request changes state, once.
        let replayKey = "authn:\(issuer):\(saml.id)"
        let replayUntil = saml.issueInstant.addingTimeInterval(2 * Double(configuration.saml.clockSkew.components.seconds) + 60)
        guard try await services.store.insertIfAbsent(replayID: replayKey, expiresAt: replayUntil, now: now) else {
            throw FlowError(
                .replayedRequest, .badRequest, .invalidRequest,
                "AuthnRequest ID \(saml.id) from \(issuer) was already used; each request must carry a fresh ID")
        }
        guard let sessionID = context.sessionID else {
            throw FlowError(.noFlow, .badRequest, .sessionExpired, "no browser session")
        }
        let flowID = FlowID.random()
        let log = logger(context, flowID: flowID.value)
        let route = FlowRoute(
            requestID: saml.id, relyingParty: issuer, acsURL: accepted.assertionConsumerService.location,
            binding: accepted.assertionConsumerService.binding, relayState: relayState, purposeID: purpose.id,
            nameIDFormat: accepted.nameIDFormat, authnContextClassRef: accepted.authnContextClassRef,
            claimMode: !requestExtension.claims.isEmpty)
        let (pending, _) = iamSmart.beginAuthorization(flowID: flowID.value, source: .pcBrowser)
        let expiresAt = now.addingTimeInterval(Double(configuration.flow.lifetime.components.seconds))
        let state = FlowState(
            flowID: flowID.value, phase: .awaitingIAMSmart, route: route, claims: requestExtension.claims,
            pending: pending, release: nil, createdAt: now, expiresAt: expiresAt)
        try await save(state)
        let pointer = FlowPointer(flowID: flowID.value, route: route, flowExpiresAt: expiresAt)
        try await services.vault.putFlow(
            id: Self.pointerID(sessionID: sessionID), state: try encode(pointer), expiresAt: expiresAt.addingTimeInterval(3600))
        log.info("authn request accepted", metadata: [
            "rp": "\(issuer)", "binding": "\(route.binding)", "purpose": "\(purpose.id)", "signed": "\(accepted.wasSigned)",
            "claims": "\(route.claimMode)",
        ])
        return Hummingbird.Response(status: .seeOther, headers: [.location: "/start", .cacheControl: "no-store"])
    }

    /// `GET /start`: who asks, for what, and the hand-off to iAM Smart.
    func startPage(_ request: Request, _ context: BridgeRequestContext) async throws -> Hummingbird.Response {
        let (_, state) = try await currentFlow(context)
        guard state.phase == .awaitingIAMSmart, let pending = state.pending else {
            throw FlowError(.unexpectedStep, .conflict, .sessionExpired, "flow \(state.flowID) is past the iAM Smart step")
        }
        let recipient = policy.recipient(entityID: state.route.relyingParty)
        let purpose = policy.purpose(id: state.route.purposeID)
        return services.renderer.response(
            .start(recipientName: recipient?.legalEntity ?? state.route.relyingParty,
                   purpose: purpose?.descriptions[context.language.rawValue] ?? state.route.purposeID,
                   continueURL: iamSmart.authorizationURL(for: pending).absoluteString),
            language: context.language, path: request.uri.path)
    }
}
