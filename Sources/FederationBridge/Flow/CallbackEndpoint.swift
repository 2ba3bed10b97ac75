import Foundation
import Hummingbird
import IAMSmart
import PIAChecks
import SAMLMapper

/// The resident back from iAM Smart: `GET /iamsmart/callback` judges the
/// sign-in and sends the data request for the resident's approval in the
/// app; `GET /approval` waits for that approval, prepares the release and
/// runs the checks that need no answer; `POST /approval/cancel` gives up.
struct CallbackEndpoint: Sendable {
    let policies: PolicyStore
    /// The policy in force for this request (reloaded on SIGHUP).
    var policy: Policy { policies.current }
    let registry: PartnerMetadataRegistry
    let iamSmart: IAMSmartClient
    let mapper: AttributeMapper
    let gate: PIAGate
    let description: TransferDescription
    let flows: FlowStore
    let delivery: ResponseDelivery
    let sessions: SessionManager
    let renderer: PageRenderer
    let clock: FlowClock

    /// `GET /iamsmart/callback`: checks the state binding, exchanges the code,
    /// fetches only the profile fields the release needs, maps them, and
    /// keeps the prepared release (not the profile) for the consent page.
    func callback(_ request: Request, _ context: BridgeRequestContext) async throws -> Hummingbird.Response {
        let (pointer, state) = try await flows.current(context)
        let log = context.logger(flowID: state.flowID)
        guard state.phase == .awaitingIAMSmart, let pending = state.pending else {
            throw FlowError(
                .unexpectedStep, .conflict, .sessionExpired, "flow \(state.flowID) already passed the iAM Smart step (callback replayed?)")
        }
        let query = request.uri.queryParameters
        let parameters = CallbackParameters(
            code: query["code"].map(String.init), state: query["state"].map(String.init), error: query["error"].map(String.init))
        guard let returned = parameters.state, returned == pending.state else {
            throw FlowError(
                .unknownState, .badRequest, .invalidRequest,
                "the iAM Smart callback's state does not belong to flow \(state.flowID); the flow is unchanged")
        }
        // One callback per flow: of two arriving together, one exchanges the code.
        try await flows.advance(state, from: .awaitingIAMSmart, to: .exchangingCode)
        if parameters.error != nil {
            await flows.end(state, context)
            log.info("resident cancelled at iAM Smart")
            let status = SAMLStatus(
                code: SAMLStatus.responder, subCode: SAMLStatus.authnFailed, message: "the resident cancelled the sign-in at iAM Smart")
            return try await delivery.deliverUnlogged(
                status: status, code: "iamsmart-cancelled", notice: .iamSmartCancelled, kind: .iamSmartFailed, route: pointer.route,
                flowID: pointer.flowID, context: context, request: request)
        }

        let session: IAMSmartSession
        do {
            session = try await iamSmart.completeAuthorization(
                callback: parameters, pending: pending, flowID: state.flowID, previousSession: state.stepUpFrom)
        } catch {
            await flows.end(state, context)
            throw Self.iamSmartFailure(error, route: pointer.route, flowID: pointer.flowID)
        }
        // The asserted class is what iAM Smart delivered, judged against the request only now.
        let requested = state.route.requestedAuthnContext?.saml
        guard let asserted = AuthnContextClass.asserted(for: session.assurance, requested: requested) else {
            var withFace = session.assurance
            withFace.faceRecognitionUsed = true
            if state.stepUpFrom == nil, AuthnContextClass.asserted(for: withFace, requested: requested) != nil {
                // A live face match would meet the request: ask iAM Smart for one (re-authentication with `eidapi_fr`).
                let (stepUp, url) = iamSmart.beginReauthentication(
                    of: session, flowID: state.flowID, source: pending.source, lang: context.language.iamSmartLang)
                var next = state
                next.pending = stepUp
                next.stepUpFrom = session
                try await flows.advance(state, from: .exchangingCode, to: .awaitingIAMSmart, saving: next)
                log.info("stepping up with face re-authentication", metadata: ["obtained": "\(session.assurance)"])
                return Hummingbird.Response(status: .seeOther, headers: [.location: url.absoluteString, .cacheControl: "no-store"])
            }
            await flows.end(state, context)
            log.info("sign-in assurance below the request", metadata: ["obtained": "\(session.assurance)"])
            throw FlowError(
                .authnContextUnavailable, .forbidden, .assuranceNotMet,
                "the sign-in obtained \(session.assurance), which does not meet the relying party's RequestedAuthnContext; nothing was sent",
                saml: SAMLStatus(
                    code: SAMLStatus.responder, subCode: SAMLStatus.noAuthnContext, message: "the sign-in does not meet the requested context"),
                route: pointer.route, flowID: pointer.flowID)
        }
        // The data request waits for the resident's approval in the app.
        let ticket: ProfileTicket
        do {
            ticket = try await iamSmart.initiateProfileRequest(session: session, fields: planner(state).profileFields, source: pending.source)
        } catch {
            await flows.end(state, context)
            throw Self.iamSmartFailure(error, route: pointer.route, flowID: pointer.flowID)
        }
        var next = state
        next.pending = nil
        next.stepUpFrom = nil
        next.approval = PendingApproval(session: session, ticket: ticket, asserted: asserted)
        try await flows.advance(state, from: .exchangingCode, to: .awaitingApproval, saving: next)
        log.info("iAM Smart sign-in complete; data request sent for approval", metadata: ["authn.context": "\(asserted.rawValue)"])
        var response = Hummingbird.Response(status: .seeOther, headers: [.location: "/approval", .cacheControl: "no-store"])
        response.setCookie(try await flows.rotateSession(context, pointer: pointer))
        return response
    }

    /// `GET /approval`: asks iAM Smart whether the resident approved the data
    /// request. Pending: the waiting page, which reloads itself, with no
    /// state change. Approved: the profile is mapped and the flow moves on to
    /// consent. Declined or expired: the flow ends, the relying party gets a
    /// status and nothing is logged as a transfer.
    func approvalPage(_ request: Request, _ context: BridgeRequestContext) async throws -> Hummingbird.Response {
        let (pointer, state) = try await flows.current(context)
        guard state.phase == .awaitingApproval, let approval = state.approval, let sessionID = context.sessionID else {
            throw FlowError(.unexpectedStep, .conflict, .sessionExpired, "flow \(state.flowID) is not waiting for a data approval")
        }
        let log = context.logger(flowID: state.flowID)
        let fetched: IAMSmartProfile
        do {
            fetched = try await iamSmart.fetchProfile(session: approval.session, ticket: approval.ticket)
        } catch .approvalPending {
            let page = ResidentPage.approval(
                approvalURL: approval.ticket.authByQR, csrfToken: sessions.csrfToken(sessionID: sessionID, purpose: "approval"),
                refreshSeconds: Self.refreshSeconds)
            return renderer.response(page, language: context.language, path: request.uri.path)
        } catch let error where error == .approvalDeclined || error == .approvalExpired {
            await flows.end(state, context)
            let declined = error == .approvalDeclined
            log.info(declined ? "resident declined the data request in iAM Smart" : "data request expired in iAM Smart")
            let status = SAMLStatus(
                code: SAMLStatus.responder, subCode: declined ? SAMLStatus.requestDenied : SAMLStatus.authnFailed,
                message: declined
                    ? "the resident declined the data request in iAM Smart; nothing was sent"
                    : "the data request in iAM Smart expired; nothing was sent")
            let kind: ResidentErrorKind = declined ? .dataDeclined : .approvalExpired
            return try await delivery.deliverUnlogged(
                status: status, code: declined ? "data-declined" : "approval-expired", notice: .failed(kind), kind: kind,
                route: pointer.route, flowID: pointer.flowID, context: context, request: request)
        } catch {
            await flows.end(state, context)
            throw Self.iamSmartFailure(error, route: pointer.route, flowID: pointer.flowID)
        }
        // Approved: one of concurrent polls takes the flow and prepares the release.
        try await flows.advance(state, from: .awaitingApproval, to: .exchangingCode)
        let session = approval.session
        let now = clock.now()
        let profile = ResidentProfile(
            openID: session.openID, chineseName: fetched.chName?.chineseName, chineseNameVerified: fetched.chNameVerified ?? false,
            englishName: fetched.enName?.unstructuredName,
            birthDate: fetched.birthDate.flatMap { CalendarDate(year: $0.year, month: $0.month, day: $0.day) },
            gender: fetched.gender?.rawValue, assurance: session.assurance.level == .plus ? .plus : .basic,
            faceRecognitionUsed: session.assurance.faceRecognitionUsed)
        let planner = planner(state)
        let release = mapper.map(
            profile, recipientEntityID: state.route.relyingParty, allowed: planner.releasable, claims: state.claims, now: now)
        let age = profile.birthDate.map { $0.age(on: mapper.today(now)) }
        var next = state
        next.release = PreparedRelease(
            pairwiseNameID: release.nameID.value,
            attributes: planner.answering(release.attributes).map {
                StoredAttribute(name: $0.name, attribute: $0.attribute, transforms: $0.transforms)
            },
            withheld: release.withheld, subjectAgeYears: age, assurance: ReleasePlanner.assuranceLevel(session.assurance),
            authnContextClass: approval.asserted, authnInstant: now)
        next.approval = nil
        next.claims = ClaimedValues()
        log.info(
            "iAM Smart data approved",
            metadata: [
                "attributes": "\(release.attributes.map(\.name.rawValue).joined(separator: ","))",
                "withheld": "\(release.withheld.keys.map(\.rawValue).sorted().joined(separator: ","))",
                "authn.context": "\(approval.asserted.rawValue)",
            ])
        let withheld = planner.withheldRequests(mapped: release.withheld)
        if !withheld.isEmpty {
            log.info(
                "requested attributes withheld",
                metadata: [
                    "rp": "\(state.route.relyingParty)", "withheld": "\(withheld.map(\.description).joined(separator: ", "))",
                ])
        }

        // Ask only when the answer can lead somewhere: checks that do not
        // depend on the resident's decision run before the consent page.
        if let prepared = next.release, let refusal = try await refuseIfIneligible(next, release: prepared, context: context, request: request) {
            return refusal
        }
        try await flows.advance(state, from: .exchangingCode, to: .awaitingConsent, saving: next)
        return Hummingbird.Response(status: .seeOther, headers: [.location: "/consent", .cacheControl: "no-store"])
    }

    /// `POST /approval/cancel`: the resident gives up waiting; the relying
    /// party is told, nothing is logged as a transfer.
    func cancelApproval(_ request: Request, _ context: BridgeRequestContext) async throws -> Hummingbird.Response {
        let form = try await FormFields.from(request)
        guard sessions.verifyCSRF(form["csrf"], sessionID: context.sessionID, purpose: "approval") else {
            throw FlowError(.csrfInvalid, .forbidden, .formExpired, "cancel form without a valid CSRF token for this session; nothing was changed")
        }
        let (pointer, state) = try await flows.current(context)
        try await flows.advance(state, from: .awaitingApproval, to: .exchangingCode)
        await flows.end(state, context)
        context.logger(flowID: state.flowID).info("resident cancelled while waiting for the data approval")
        let status = SAMLStatus(code: SAMLStatus.responder, subCode: SAMLStatus.authnFailed, message: "the resident cancelled the sign-in")
        return try await delivery.deliverUnlogged(
            status: status, code: "iamsmart-cancelled", notice: .iamSmartCancelled, kind: .iamSmartFailed, route: pointer.route,
            flowID: pointer.flowID, context: context, request: request)
    }

    /// How often the waiting page reloads itself.
    static let refreshSeconds = 3

    /// Before the consent page: when a check that does not depend on the
    /// answer fails (age, assurance, recipient, purpose, volume, …), the
    /// refusal is logged and delivered now, and the resident is told why.
    /// `nil` when asking can lead somewhere.
    func refuseIfIneligible(
        _ state: FlowState, release: PreparedRelease, context: BridgeRequestContext, request: Request
    ) async throws -> Hummingbird.Response? {
        let now = clock.now()
        let encrypted = registry.serviceProvider(entityID: state.route.relyingParty, now: now)?.encryptionCertificates.isEmpty == false
        let transfer = description.transferRequest(state, release: release, encrypted: encrypted, now: now)
        let provisional = description.consentRecord(state, release: release, contentDigest: nil, now: now)
        let eligibility = await gate.eligibility(transfer, provisionalConsent: provisional)
        guard !eligibility.allowsTransfer else { return nil }
        let log = context.logger(flowID: state.flowID)
        do {
            _ = try await gate.decide(
                transfer, answer: .notAsked, provisionalConsent: provisional, pairwiseSubject: release.pairwiseNameID,
                assertionID: FlowID(state.flowID)?.assertionID ?? SAMLIdentifier.make(), logger: log)
        } catch {
            await flows.end(state, context)
            throw error
        }
        await flows.end(state, context)
        let failed = eligibility.failures.map(\.id)
        let kind: ResidentErrorKind = failed == [AgeEligibilityCheck().id] ? .underAge : .refused
        let status = SAMLStatus(
            code: SAMLStatus.responder, subCode: SAMLStatus.requestDenied,
            message: "privacy checks refused the transfer before consent was asked: \(failed.joined(separator: ", "))")
        return try await delivery.deliver(
            status: status, route: state.route, notice: .failed(kind), context: context, request: request, reference: state.flowID)
    }

    static func iamSmartFailure(_ error: any Error, route: FlowRoute, flowID: String) -> FlowError {
        FlowError(
            .iamSmartFailed, .badGateway, .iamSmartFailed, "iAM Smart step failed: \(error)",
            saml: SAMLStatus(code: SAMLStatus.responder, subCode: SAMLStatus.authnFailed, message: "the sign-in with iAM Smart did not complete"),
            route: route, flowID: flowID)
    }

    /// The release planner for this flow's purpose and relying party.
    func planner(_ state: FlowState) -> ReleasePlanner {
        let purpose = policy.purpose(id: state.route.purposeID)
        let provider = registry.serviceProvider(entityID: state.route.relyingParty, now: clock.now())
        return ReleasePlanner(
            purposeAllows: Set(purpose?.allowedAttributes.map(\.name) ?? []),
            requested: provider?.requestedAttributes ?? [],
            claimMode: state.route.claimMode, minimumAge: purpose?.minimumAge)
    }
}
