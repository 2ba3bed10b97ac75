import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SAMLMapper

/// `GET|POST /saml/slo`: SAML Single Logout (core §3.7) over HTTP-Redirect
/// and HTTP-POST, front channel.
///
/// A partner's LogoutRequest is checked like an AuthnRequest (issuer from
/// metadata, signature required, Destination, IssueInstant, replay), then
/// against the IdP session its SessionIndex names: the NameID must be the
/// one that partner was given. The whole session is then ended in one
/// statement, every other partner of it that publishes a SingleLogoutService
/// is sent a signed LogoutRequest in turn through the browser, and once the
/// last LogoutResponse is in, the first partner gets a signed LogoutResponse:
/// Success, or PartialLogout when another partner failed or cannot be told.
/// A refusal changes nothing; once the partner is verified it also gets the
/// refusal as a signed LogoutResponse.
struct SingleLogoutEndpoint: Sendable {
    let configuration: BridgeConfiguration
    let registry: PartnerMetadataRegistry
    /// The replay cache and the IdP sessions.
    let store: any StateStore
    /// Logouts under way (sealed).
    let vault: StateVault
    let idpSessions: IdPSessions
    let keys: IdPKeyMaterial
    let renderer: PageRenderer
    let delivery: ResponseDelivery
    let clock: FlowClock

    var sloURL: String { configuration.baseURLWithoutTrailingSlash + "/saml/slo" }
    var clockSkew: TimeInterval { Double(configuration.saml.clockSkew.components.seconds) }

    /// Bindings we send and receive logout messages on, in order of preference.
    static let bindings = [MetadataEndpoint.redirectBinding, MetadataEndpoint.postBinding]

    func singleLogout(_ request: Request, _ context: BridgeRequestContext, post: Bool) async -> Hummingbird.Response {
        do {
            let accepted = try await read(request, post: post)
            switch accepted.message {
            case .request(let logoutRequest):
                return try await logout(logoutRequest, accepted: accepted, request: request, context: context)
            case .response(let logoutResponse):
                return try await propagated(logoutResponse, accepted: accepted, request: request, context: context)
            }
        } catch let error as FlowError {
            context.logger.warning(
                "logout refused", metadata: ["reference": "\(context.id)", "code": "\(error.code.rawValue)", "detail": "\(error.detail)"])
            return await delivery.errorResponse(error, request: request, context: context)
        } catch {
            context.logger.error("logout failed", metadata: ["reference": "\(context.id)", "error.type": "\(type(of: error))"])
            let failure = FlowError(.internalFailure, .internalServerError, .internal, "unexpected \(type(of: error)); see the log")
            return await delivery.errorResponse(failure, request: request, context: context)
        }
    }

    /// Decodes the binding and runs every check on the message itself.
    private func read(_ request: Request, post: Bool) async throws -> LogoutMessageValidator.Accepted {
        let now = clock.now()
        var validator: LogoutMessageValidator {
            LogoutMessageValidator(sloEndpoints: [sloURL], serviceProviders: registry.serviceProviders(now: now), clockSkew: clockSkew)
        }
        do {
            if post {
                let form = try await FormFields.from(request, limit: 512 * 1024)
                let parameters = ["SAMLRequest", "SAMLResponse"].filter { form[$0] != nil }
                guard parameters.count == 1, let parameter = parameters.first, let encoded = form[parameter] else {
                    throw parameters.isEmpty ? BindingError.missingMessage : BindingError.duplicateParameter("SAMLRequest/SAMLResponse")
                }
                let xml = try POSTBinding.decode(encoded)
                await registry.resolveIssuer(of: xml, now: now)
                return try validator.validate(post: xml, parameter: parameter, relayState: form["RelayState"], now: now)
            } else {
                let message = try RedirectBinding.decode(query: request.uri.query ?? "")
                await registry.resolveIssuer(of: message.xml, now: now)
                return try validator.validate(redirect: message, now: now)
            }
        } catch {
            throw FlowError.fromLogoutMessage(error)
        }
    }

    // MARK: A partner asks

    /// A verified LogoutRequest: the session checks, the session ended, and
    /// the first step of the propagation (or at once the answer).
    private func logout(
        _ logoutRequest: LogoutRequest, accepted: LogoutMessageValidator.Accepted, request: Request, context: BridgeRequestContext
    ) async throws -> Hummingbird.Response {
        let now = clock.now()
        let partner = accepted.serviceProvider.entityID
        guard let answer = Self.endpoint(in: accepted.serviceProvider, preferring: accepted.binding) else {
            throw FlowError(
                .noLogoutService, .badRequest, .invalidRequest,
                "\(partner) sent a LogoutRequest but its metadata has no SingleLogoutService (HTTP-Redirect or HTTP-POST) to answer at")
        }
        // Opaque to us but echoed into a query or a form: too long or with control characters, it is not echoed.
        let relayState = accepted.relayState.flatMap { text in
            text.utf8.count > 80 || text.unicodeScalars.contains { $0.properties.generalCategory == .control } ? nil : text
        }
        let propagation = LogoutPropagation(
            id: LogoutPropagation.newID(), requester: partner, requestID: logoutRequest.id, answer: .init(answer),
            relayState: relayState, awaiting: nil, awaitingRequestID: nil, remaining: [], partial: false,
            expiresAt: now.addingTimeInterval(Double(configuration.flow.lifetime.components.seconds)))
        do {
            guard relayState == accepted.relayState else {
                throw FlowError(
                    .malformedRequest, .badRequest, .invalidRequest, "RelayState is longer than 80 bytes or holds control characters",
                    saml: FlowError.requester(SAMLStatus.requestUnsupported, "unusable RelayState"))
            }
            let participants = try await endSession(logoutRequest, partner: partner, now: now)
            context.logger.info(
                "logout requested", metadata: ["rp": "\(partner)", "request": "\(logoutRequest.id)", "participants": "\(participants.count)"])
            var next = propagation
            for participant in participants where participant.relyingParty != partner {
                if registry.serviceProvider(entityID: participant.relyingParty, now: now).flatMap({ Self.endpoint(in: $0) }) != nil {
                    next.remaining.append(participant)
                } else {
                    context.logger.notice("logout not propagated: no SingleLogoutService", metadata: ["rp": "\(participant.relyingParty)"])
                    next.partial = true
                }
            }
            var response = try await proceed(next, previousPhase: nil, request: request, context: context)
            response.setCookie(idpSessions.removalCookie)
            return response
        } catch let error as FlowError where error.samlStatus != nil {
            // The partner is verified: it is told why, signed, at its SingleLogoutService.
            context.logger.warning(
                "logout refused", metadata: ["reference": "\(context.id)", "code": "\(error.code.rawValue)", "detail": "\(error.detail)"])
            var refusal = propagation
            if refusal.answer.binding == MetadataEndpoint.redirectBinding,
                let post = accepted.serviceProvider.singleLogoutServices.first(where: { $0.binding == MetadataEndpoint.postBinding })
            {
                // A POST page can carry the refusal's HTTP status; a redirect cannot.
                refusal.answer = .init(post)
            }
            var response = try send(
                logoutResponse(to: refusal, status: error.samlStatus ?? SAMLStatus()), parameter: "SAMLResponse", to: refusal.answer,
                relayState: relayState, notice: .failed(error.residentKind), status: error.status, context: context,
                request: request)
            if let name = HTTPField.Name(FlowError.header) { response.headers[name] = error.code.rawValue }
            return response
        }
    }

    /// Records the request's ID (a second use is a replay), checks the
    /// request against the session its SessionIndex names and only then
    /// ends that whole session, in one statement.
    private func endSession(_ logoutRequest: LogoutRequest, partner: String, now: Date) async throws -> [SessionParticipant] {
        let replayKey = "logout:\(partner):\(logoutRequest.id)"
        guard
            try await store.insertIfAbsent(
                replayID: replayKey, expiresAt: logoutRequest.issueInstant.addingTimeInterval(2 * clockSkew + 60), now: now)
        else {
            throw FlowError(
                .replayedRequest, .badRequest, .invalidRequest,
                "LogoutRequest ID \(logoutRequest.id) from \(partner) was already used; each request must carry a fresh ID",
                saml: FlowError.requester(SAMLStatus.requestDenied, "LogoutRequest ID already used"))
        }
        guard !logoutRequest.sessionIndexes.isEmpty else {
            throw FlowError(
                .unsupportedRequest, .badRequest, .invalidRequest,
                "LogoutRequest from \(partner) has no SessionIndex; send the SessionIndex of the Assertion's AuthnStatement",
                saml: FlowError.requester(SAMLStatus.requestUnsupported, "SessionIndex required"))
        }
        var found: (key: String, participant: SessionParticipant)?
        for index in logoutRequest.sessionIndexes {
            if let session = try await store.idpSession(sessionIndex: index, now: now), session.participant.relyingParty == partner {
                found = session
                break
            }
        }
        guard let found else {
            throw FlowError(
                .unknownSession, .badRequest, .invalidRequest,
                "no live session of \(partner) has the SessionIndex in its LogoutRequest (already logged out, expired, or never issued to it)",
                saml: SAMLStatus(code: SAMLStatus.requester, subCode: SAMLStatus.unknownPrincipal, message: "no such session"))
        }
        let nameID = logoutRequest.nameID
        guard nameID.value == found.participant.nameID, nameID.spNameQualifier.map({ $0 == partner }) ?? true,
            nameID.nameQualifier.map({ $0 == configuration.entityID }) ?? true
        else {
            throw FlowError(
                .nameIDMismatch, .forbidden, .invalidRequest,
                "the NameID in \(partner)'s LogoutRequest is not the one that session gave \(partner); nothing was changed",
                saml: SAMLStatus(code: SAMLStatus.requester, subCode: SAMLStatus.unknownPrincipal, message: "NameID does not match the session"))
        }
        let participants = try await store.endIdPSession(key: found.key, now: now)
        guard !participants.isEmpty else {
            throw FlowError(
                .unknownSession, .badRequest, .invalidRequest, "the session was ended by another request just now",
                saml: SAMLStatus(code: SAMLStatus.requester, subCode: SAMLStatus.unknownPrincipal, message: "no such session"))
        }
        return participants
    }

    // MARK: Propagation

    /// Sends the LogoutRequest to the next partner still to be told, or,
    /// when none is left, answers the requesting partner. `previousPhase` is
    /// the request ID the stored logout waits on (nil when not yet stored).
    private func proceed(
        _ propagation: LogoutPropagation, previousPhase: String?, request: Request, context: BridgeRequestContext
    ) async throws -> Hummingbird.Response {
        let now = clock.now()
        var next = propagation
        guard !next.remaining.isEmpty else {
            if let previousPhase {
                try await take(propagation, from: previousPhase, to: "answered", saving: nil)
                try? await vault.deleteFlow(id: propagation.id)
            }
            context.logger.info(
                "logout answered", metadata: ["rp": "\(next.requester)", "request": "\(next.requestID)", "partial": "\(next.partial)"])
            return try send(
                logoutResponse(to: next, status: next.status), parameter: "SAMLResponse", to: next.answer, relayState: next.relayState,
                notice: .loggedOut, status: .ok, context: context, request: request)
        }
        let participant = next.remaining.removeFirst()
        // The binding the requesting partner chose, where the next one offers it.
        guard let provider = registry.serviceProvider(entityID: participant.relyingParty, now: now),
            let endpoint = Self.endpoint(in: provider, preferring: next.answer.binding)
        else {
            next.partial = true
            return try await proceed(next, previousPhase: previousPhase, request: request, context: context)
        }
        let logoutRequest = LogoutRequest(
            issueInstant: now, destination: endpoint.location, issuer: configuration.entityID,
            nameID: NameID(
                value: participant.nameID, format: NameID.persistent, nameQualifier: configuration.entityID,
                spNameQualifier: participant.relyingParty),
            sessionIndexes: [participant.sessionIndex], notOnOrAfter: now.addingTimeInterval(Double(configuration.flow.lifetime.components.seconds)))
        next.awaiting = participant
        next.awaitingRequestID = logoutRequest.id
        if let previousPhase {
            try await take(propagation, from: previousPhase, to: logoutRequest.id, saving: next)
        } else {
            try await vault.putFlow(id: next.id, state: try FlowStore.encode(next), phase: logoutRequest.id, expiresAt: next.expiresAt)
        }
        context.logger.info("logout propagated", metadata: ["rp": "\(participant.relyingParty)", "request": "\(logoutRequest.id)"])
        return try send(
            Data(logoutRequest.builder.xmlString().utf8), parameter: "SAMLRequest", to: .init(endpoint), relayState: next.id,
            notice: .loggingOut, status: .ok, context: context, request: request)
    }

    /// A verified LogoutResponse from a partner we told: it must answer the
    /// request the logout waits on; then the logout moves on exactly once.
    private func propagated(
        _ logoutResponse: LogoutResponse, accepted: LogoutMessageValidator.Accepted, request: Request, context: BridgeRequestContext
    ) async throws -> Hummingbird.Response {
        let partner = accepted.serviceProvider.entityID
        guard let id = accepted.relayState, LogoutPropagation.isWellFormedID(id),
            let sealed = try await vault.flow(id: id, now: clock.now())
        else {
            throw FlowError(
                .unknownState, .badRequest, .sessionExpired,
                "LogoutResponse from \(partner) names no logout under way here (RelayState missing, unknown or expired)")
        }
        let propagation = try FlowStore.decode(LogoutPropagation.self, sealed)
        guard let awaited = propagation.awaitingRequestID, propagation.awaiting?.relyingParty == partner,
            logoutResponse.inResponseTo == awaited
        else {
            throw FlowError(
                .unknownState, .badRequest, .sessionExpired,
                "LogoutResponse from \(partner) does not answer the LogoutRequest this logout waits for; nothing was changed")
        }
        var next = propagation
        if !logoutResponse.status.isSuccess {
            context.logger.notice(
                "logout failed at a partner",
                metadata: ["rp": "\(partner)", "status": "\(logoutResponse.status.subCode ?? logoutResponse.status.code)"])
            next.partial = true
        }
        next.awaiting = nil
        next.awaitingRequestID = nil
        return try await proceed(next, previousPhase: awaited, request: request, context: context)
    }

    /// Moves the stored logout from `from` in one statement; a second
    /// LogoutResponse to the same request gets `replayed-request`.
    private func take(_ propagation: LogoutPropagation, from: String, to: String, saving: LogoutPropagation?) async throws {
        let moved = try await vault.advanceFlow(
            id: propagation.id, from: from, to: to, state: try saving.map(FlowStore.encode), now: clock.now())
        guard moved else {
            throw FlowError(
                .replayedRequest, .conflict, .sessionExpired,
                "logout \(propagation.id) no longer waits for \(from): this LogoutResponse was already used; nothing was changed")
        }
    }

    // MARK: Sending

    /// The partner's SingleLogoutService for a binding we implement, `binding` first.
    static func endpoint(in provider: ServiceProviderMetadata, preferring binding: String? = nil) -> MetadataEndpoint? {
        let usable = provider.singleLogoutServices.filter { bindings.contains($0.binding) }
        return usable.first { $0.binding == binding } ?? bindings.lazy.compactMap { b in usable.first { $0.binding == b } }.first
    }

    /// The LogoutResponse to the requesting partner (unsigned XML; `send` signs).
    private func logoutResponse(to propagation: LogoutPropagation, status: SAMLStatus) -> Data {
        let response = LogoutResponse(
            inResponseTo: propagation.requestID, issueInstant: clock.now(), destination: propagation.answer.location,
            issuer: configuration.entityID, status: status)
        return Data(response.builder.xmlString().utf8)
    }

    /// Signs `xml` for the binding and sends it through the browser: a 303
    /// with a signed query string (HTTP-Redirect) or the auto-submitting
    /// form page with an enveloped signature (HTTP-POST).
    private func send(
        _ xml: Data, parameter: String, to endpoint: LogoutPropagation.Endpoint, relayState: String?, notice: DeliveryNotice,
        status: HTTPResponse.Status, context: BridgeRequestContext, request: Request
    ) throws -> Hummingbird.Response {
        let signer = keys.signer(at: clock.now())
        if endpoint.binding == MetadataEndpoint.redirectBinding {
            let query = try RedirectBinding.encode(xml, parameter: parameter, relayState: relayState, key: signer.key, algorithm: signer.algorithm)
            let separator = endpoint.location.contains("?") ? "&" : "?"
            return Hummingbird.Response(
                status: .seeOther, headers: [.location: endpoint.location + separator + query, .cacheControl: "no-store"])
        }
        var fields = [(name: parameter, value: POSTBinding.encode(try signer.signedXML(xml)))]
        if let relayState { fields.append((name: "RelayState", value: relayState)) }
        let (heading, lead) = notice.texts(context.language)
        return renderer.response(
            .returning(ReturnPage(action: endpoint.location, fields: fields, heading: heading, lead: lead, reference: context.id)),
            language: context.language, path: request.uri.path, status: status)
    }
}

extension FlowError {
    /// Maps what the SAML layer threw while reading a logout message.
    static func fromLogoutMessage(_ error: any Error) -> FlowError {
        let detail = "\(error)"
        switch error {
        case let e as LogoutMessageError:
            switch e {
            case .unknownIssuer:
                return FlowError(.unknownIssuer, .forbidden, .unknownPartner, detail + "; add the partner's metadata to the metadata folder")
            case .signatureRequired: return FlowError(.unsignedRequest, .forbidden, .invalidRequest, detail)
            case .issueInstantOutOfRange, .expired:
                return FlowError(.staleRequest, .badRequest, .invalidRequest, detail + "; check the partner's clock or send a fresh message")
            case .destinationMismatch: return FlowError(.wrongDestination, .badRequest, .invalidRequest, detail)
            case .notALogoutMessage, .unsupportedVersion: return FlowError(.unsupportedRequest, .badRequest, .invalidRequest, detail)
            }
        default:
            return fromBinding(error, message: "logout message")
        }
    }
}
