import Foundation
import Hummingbird
import PIAChecks
import SAMLMapper
import X509

extension FederationFlow {
    /// `GET /consent`: recipient, purpose, legal basis, retention and each
    /// attribute exactly as it will be sent.
    func consentPage(_ request: Request, _ context: BridgeRequestContext) async throws -> Hummingbird.Response {
        let (_, state) = try await currentFlow(context)
        guard state.phase == .awaitingConsent, let release = state.release, let sessionID = context.sessionID else {
            throw FlowError(.unexpectedStep, .conflict, .sessionExpired, "flow \(state.flowID) is not waiting for consent")
        }
        let language = context.language
        let recipient = policy.recipient(entityID: state.route.relyingParty)
        let purpose = policy.purpose(id: state.route.purposeID)
        let rows = release.attributes.map {
            DisplayedAttribute(label: PageStrings.label(for: $0.name, in: language), name: $0.attribute.name, values: $0.attribute.values)
        }
        let page = ConsentPage(
            recipient: RecipientDisplay(
                name: recipient?.legalEntity ?? state.route.relyingParty, city: recipient?.city ?? "", contact: recipient?.contact ?? ""),
            purpose: purpose?.descriptions[language.rawValue] ?? state.route.purposeID,
            legalBasis: Self.legalBasisText(purpose?.legalBasis ?? "", filing: recipient?.contractFilingReference, language: language),
            retention: Self.retentionText(days: recipient?.retentionDays, language: language),
            attributes: rows, action: "/consent", csrfToken: services.sessions.csrfToken(sessionID: sessionID),
            reference: state.flowID)
        return services.renderer.response(.consent(page), language: language, path: request.uri.path)
    }

    /// `POST /consent`: CSRF, then the decision, the privacy gate (logged
    /// first), and delivery to the relying party.
    func consentDecision(_ request: Request, _ context: BridgeRequestContext) async throws -> Hummingbird.Response {
        let form = try await FormFields.from(request)
        guard services.sessions.verifyCSRF(form["csrf"], sessionID: context.sessionID) else {
            throw FlowError(.csrfInvalid, .forbidden, .formExpired, "consent form without a valid CSRF token for this session; nothing was recorded")
        }
        let (_, state) = try await currentFlow(context)
        guard state.phase == .awaitingConsent, let release = state.release else {
            throw FlowError(.unexpectedStep, .conflict, .sessionExpired, "flow \(state.flowID) is not waiting for consent")
        }
        let agreed: Bool
        switch form["decision"] {
        case "agree": agreed = true
        case "decline": agreed = false
        default:
            throw FlowError(.missingDecision, .badRequest, .invalidRequest, "consent form without decision=agree or decision=decline; nothing was recorded")
        }
        return try await conclude(state, release: release, agreed: agreed, context: context, request: request)
    }

    /// The gate and the answer. Order matters: verdict → durable log entry →
    /// only then an Assertion is built; the flow's personal data is deleted
    /// whatever the outcome.
    func conclude(_ state: FlowState, release: PreparedRelease, agreed: Bool, context: BridgeRequestContext, request: Request) async throws -> Hummingbird.Response {
        let now = clock.now()
        let log = logger(context, flowID: state.flowID)
        let route = state.route
        guard let provider = registry.serviceProvider(entityID: route.relyingParty, now: now) else {
            await end(state, context)
            throw FlowError(
                .partnerMetadataUnavailable, .serviceUnavailable, .internal,
                "metadata for \(route.relyingParty) is no longer usable (expired or removed); nothing was sent")
        }
        let encrypter: AssertionEncrypter?
        if let der = provider.encryptionCertificates.first {
            do {
                encrypter = try AssertionEncrypter(recipientCertificate: try Certificate(derEncoded: Array(der)))
            } catch {
                await end(state, context)
                throw FlowError(.partnerMetadataUnavailable, .serviceUnavailable, .internal, "the encryption certificate in \(route.relyingParty)'s metadata is unusable: \(error)")
            }
        } else {
            encrypter = nil
        }
        let names = Set(release.attributes.map(\.attribute.name))
        let consent = agreed
            ? ConsentRecord(
                recipientEntityID: route.relyingParty, purposeID: route.purposeID, attributes: names, givenAt: now,
                textVersion: policy.consentTextVersions.last?.id ?? "")
            : nil
        let transfer = TransferRequest(
            recipientEntityID: route.relyingParty, purposeID: route.purposeID,
            released: release.attributes.map { PIAChecks.ReleasedAttribute(name: $0.attribute.name, transforms: $0.transforms.map(\.rawValue)) },
            requestedAttributes: Set(provider.requestedAttributes.map(\.name)), consent: consent,
            assurance: PIAChecks.AssuranceLevel(rawValue: release.assurance) ?? .low, subjectAgeYears: release.subjectAgeYears,
            encryptedToRecipient: encrypter != nil, now: now)
        let assertionID = SAMLIdentifier.make()
        let verdict: Verdict
        do {
            verdict = try await gate.decide(
                transfer, pairwiseSubject: release.pairwiseNameID, assertionID: assertionID, declined: !agreed, logger: log)
        } catch {
            await end(state, context)
            throw error
        }
        await end(state, context)
        guard agreed else {
            log.info("resident declined consent")
            let status = SAMLStatus(code: SAMLStatus.responder, subCode: SAMLStatus.requestDenied, message: "the resident declined consent; no personal data was sent")
            return try await deliver(status: status, route: route, notice: .declined, context: context, request: request)
        }
        guard verdict.allowsTransfer else {
            let failed = verdict.failures.map { "\($0.id) (\($0.reason))" }.joined(separator: "; ")
            let status = SAMLStatus(code: SAMLStatus.responder, subCode: SAMLStatus.requestDenied, message: "privacy checks refused the transfer: \(failed)")
            return try await deliver(status: status, route: route, notice: .refused, context: context, request: request)
        }
        let response = try issueResponse(route: route, release: release, assertionID: assertionID, encrypter: encrypter, now: now)
        log.info("assertion issued", metadata: ["assertion": "\(assertionID)", "encrypted": "\(encrypter != nil)"])
        return try await deliver(responseXML: response, route: route, notice: nil, context: context, request: request)
    }

    static func legalBasisText(_ basis: String, filing: String?, language: Language) -> String {
        let reference = filing.map { " \($0)" } ?? ""
        guard basis == "consent" else { return basis }
        switch language {
        case .traditionalChinese: return "你的單獨同意（粵港澳大灣區個人信息跨境流動標準合同\(reference)）"
        case .simplifiedChinese: return "你的单独同意（粤港澳大湾区个人信息跨境流动标准合同\(reference)）"
        case .english: return "Your separate consent (Greater Bay Area Standard Contract\(reference))"
        }
    }

    static func retentionText(days: Int?, language: Language) -> String {
        guard let days else { return "" }
        switch language {
        case .traditionalChinese: return "最多 \(days) 日"
        case .simplifiedChinese: return "最多 \(days) 天"
        case .english: return "Up to \(days) days"
        }
    }
}
