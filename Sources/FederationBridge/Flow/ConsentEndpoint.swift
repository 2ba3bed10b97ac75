import Foundation
import Hummingbird
import PIAChecks
import SAMLMapper
import X509

/// `GET /consent` and `POST /consent`: what will be sent, the resident's
/// answer to exactly that, the privacy gate (logged first) and the answer
/// to the relying party.
struct ConsentEndpoint: Sendable {
    let policies: PolicyStore
    /// The policy in force for this request (reloaded on SIGHUP).
    var policy: Policy { policies.current }
    let registry: PartnerMetadataRegistry
    let gate: PIAGate
    let description: TransferDescription
    let flows: FlowStore
    let delivery: ResponseDelivery
    /// The browser's IdP session, which each issued Assertion joins.
    let idpSessions: IdPSessions
    let sessions: SessionManager
    let renderer: PageRenderer
    let clock: FlowClock
    /// Who runs the bridge, its statement and contact, for the consent page.
    let privacy: BridgeConfiguration.Privacy
    /// The operator's name when the configuration gives none.
    let operatorFallback: String

    /// `GET /consent`: recipient, purpose, legal basis, retention and each
    /// attribute exactly as it will be sent.
    func consentPage(_ request: Request, _ context: BridgeRequestContext) async throws -> Hummingbird.Response {
        let (_, state) = try await flows.current(context)
        guard state.phase == .awaitingConsent, let release = state.release, let sessionID = context.sessionID else {
            throw FlowError(.unexpectedStep, .conflict, .sessionExpired, "flow \(state.flowID) is not waiting for consent")
        }
        let page = consentContent(state, release: release, language: context.language)
            .page(action: "/consent", csrfToken: sessions.csrfToken(sessionID: sessionID), reference: state.flowID)
        // The answer to this form may be a redirect to the relying party's
        // ACS (artifact delivery), which the form's CSP must allow.
        return renderer.response(
            .consent(page), language: context.language, path: request.uri.path, extraFormTargets: [state.route.acsURL])
    }

    /// What the consent page shows for this flow in `language`.
    func consentContent(_ state: FlowState, release: PreparedRelease, language: Language) -> ConsentContent {
        var notices: [String] = []
        if release.withheld.contains(where: { $0.value == .notVerified }) {
            notices.append(PageStrings.table(for: language)["consent.withheld_unverified_name"] ?? "")
        }
        return ConsentContent(
            language: language, recipient: policy.recipient(entityID: state.route.relyingParty), recipientFallback: state.route.relyingParty,
            purpose: policy.purpose(id: state.route.purposeID), purposeFallback: state.route.purposeID,
            attributes: release.attributes.map { ($0.name, $0.attribute) }, notices: notices,
            textVersion: policy.consentTextVersions.last?.id ?? "", privacy: privacy, operatorFallback: operatorFallback)
    }

    /// `POST /consent`: CSRF, the decision, the content it answers, then the
    /// flow is taken (once), the privacy gate runs (logged first) and the
    /// answer is delivered to the relying party.
    func consentDecision(_ request: Request, _ context: BridgeRequestContext) async throws -> Hummingbird.Response {
        let form = try await FormFields.from(request)
        guard sessions.verifyCSRF(form["csrf"], sessionID: context.sessionID) else {
            throw FlowError(.csrfInvalid, .forbidden, .formExpired, "consent form without a valid CSRF token for this session; nothing was recorded")
        }
        let (_, state) = try await flows.current(context)
        guard state.phase == .awaitingConsent, let release = state.release else {
            throw FlowError(.unexpectedStep, .conflict, .sessionExpired, "flow \(state.flowID) is not waiting for consent")
        }
        let agreed: Bool
        switch form["decision"] {
        case "agree": agreed = true
        case "decline": agreed = false
        default:
            throw FlowError(
                .missingDecision, .badRequest, .invalidRequest, "consent form without decision=agree or decision=decline; nothing was recorded")
        }
        // The answer is to what was shown: recompute it and compare.
        let content = form["lang"].flatMap(Language.init(rawValue:)).map { consentContent(state, release: release, language: $0) }
        // The digest is a sorted-key JSON encoding of the whole page: made once.
        let digest = content?.digest
        guard let digest, let shown = form["shown"], shown == digest else {
            throw FlowError(
                .consentChanged, .conflict, .formExpired,
                "the consent form does not match what this flow shows now (edited form or changed policy); nothing was recorded")
        }
        try await flows.advance(state, from: .awaitingConsent, to: .deciding)
        return try await conclude(state, release: release, agreed: agreed, shownDigest: digest, context: context, request: request)
    }

    /// The gate and the answer. Order matters: verdict → durable log entry →
    /// only then an Assertion is built; the flow's personal data is deleted
    /// whatever the outcome.
    func conclude(
        _ state: FlowState, release: PreparedRelease, agreed: Bool, shownDigest: String, context: BridgeRequestContext, request: Request
    ) async throws -> Hummingbird.Response {
        let now = clock.now()
        let log = context.logger(flowID: state.flowID)
        let route = state.route
        guard let provider = registry.serviceProvider(entityID: route.relyingParty, now: now) else {
            await flows.end(state, context)
            throw FlowError(
                .partnerMetadataUnavailable, .serviceUnavailable, .internal,
                "metadata for \(route.relyingParty) is no longer usable (expired or removed); nothing was sent")
        }
        let encrypter: AssertionEncrypter?
        do {
            encrypter = try provider.assertionEncrypter()
        } catch {
            await flows.end(state, context)
            throw FlowError(
                .partnerMetadataUnavailable, .serviceUnavailable, .internal,
                "the encryption certificate in \(route.relyingParty)'s metadata is unusable: \(error)")
        }
        let transfer = description.transferRequest(state, release: release, encrypted: encrypter != nil, now: now)
        let consent = description.consentRecord(state, release: release, contentDigest: shownDigest, now: now)
        let assertionID = FlowID(state.flowID)?.assertionID ?? SAMLIdentifier.make()
        let decision: TransferDecision
        let verdict: Verdict
        do {
            (verdict, decision) = try await gate.decide(
                transfer, answer: agreed ? .agreed(consent) : .declined, provisionalConsent: consent,
                pairwiseSubject: release.pairwiseNameID, assertionID: assertionID, logger: log)
        } catch {
            await flows.end(state, context)
            throw error
        }
        await flows.end(state, context)
        switch decision {
        case .declined:
            log.info("resident declined consent")
            let status = SAMLStatus(
                code: SAMLStatus.responder, subCode: SAMLStatus.requestDenied, message: "the resident declined consent; no personal data was sent")
            return try await delivery.deliver(
                status: status, route: route, notice: .declined, context: context, request: request, reference: state.flowID)
        case .refused, .withdrawn:
            // The gate never decides `withdrawn`; should it, nothing is sent.
            let failed = verdict.failures.map { "\($0.id) (\($0.reason))" }.joined(separator: "; ")
            let status = SAMLStatus(
                code: SAMLStatus.responder, subCode: SAMLStatus.requestDenied, message: "privacy checks refused the transfer: \(failed)")
            return try await delivery.deliver(
                status: status, route: route, notice: .refused, context: context, request: request, reference: state.flowID)
        case .transfer:
            // The relying party joins the browser's IdP session under a fresh SessionIndex, for Single Logout.
            let sessionIndex = SAMLIdentifier.make()
            let cookie = try await idpSessions.join(
                request,
                participant: SessionParticipant(relyingParty: route.relyingParty, nameID: release.pairwiseNameID, sessionIndex: sessionIndex),
                now: now)
            let response = try delivery.issueResponse(
                route: route, release: release, assertionID: assertionID, sessionIndex: sessionIndex, encrypter: encrypter, now: now)
            log.info("assertion issued", metadata: ["assertion": "\(assertionID)", "encrypted": "\(encrypter != nil)"])
            var delivered = try await delivery.deliver(responseXML: response, route: route, notice: nil, context: context, request: request)
            delivered.setCookie(cookie)
            return delivered
        }
    }
}
