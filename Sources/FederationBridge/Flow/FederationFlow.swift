@preconcurrency import Crypto
import Foundation
import Hummingbird
import IAMSmart
import Logging
import PIAChecks
import SAMLMapper

/// The sign-in flow: SAML in, iAM Smart, consent, the privacy gate, the
/// Assertion out — one endpoint type per step, composed here.
///
/// Each step takes the flow from the phase it expects with one conditional
/// statement (`FlowStore.advance`), so bad input and a second concurrent
/// request leave the stored state as it was. The transfer log entry is
/// written before any Response is built; personal data is deleted as soon
/// as the flow ends.
public final class FederationFlow: Sendable {
    public let transferLog: TransferLog
    public let registry: PartnerMetadataRegistry
    public let clock: FlowClock
    public let policies: PolicyStore
    /// The policy in force now.
    var policy: Policy { policies.current }
    let services: BridgeServices
    let keys: IdPKeyMaterial
    let delivery: ResponseDelivery
    let singleSignOn: SingleSignOnEndpoint
    let callback: CallbackEndpoint
    let consent: ConsentEndpoint
    let artifact: ArtifactEndpoint
    let singleLogout: SingleLogoutEndpoint
    let myShares: MySharesEndpoint

    public init(
        services: BridgeServices, policies: PolicyStore, transferLog: TransferLog, iamSmart: IAMSmartClient,
        registry: PartnerMetadataRegistry, keys: IdPKeyMaterial, clock: FlowClock = .system
    ) {
        let configuration = services.configuration
        self.services = services
        self.policies = policies
        self.transferLog = transferLog
        self.registry = registry
        self.keys = keys
        self.clock = clock
        let subjectKey = Self.subjectKey(configuration)
        let gate = PIAGate(policies: policies, log: transferLog, subjectKey: subjectKey, metrics: services.metrics)
        let flows = FlowStore(vault: services.vault, sessions: services.sessions, clock: clock, lifetime: configuration.flow.lifetime)
        let delivery = ResponseDelivery(
            configuration: configuration, renderer: services.renderer, vault: services.vault, keys: keys, clock: clock, policies: policies,
            failures: services.failures)
        let description = TransferDescription(policies: policies, registry: registry)
        let idpSessions = IdPSessions(configuration: configuration, store: services.store)
        self.delivery = delivery
        singleSignOn = SingleSignOnEndpoint(
            configuration: configuration, policies: policies, registry: registry, iamSmart: iamSmart, replayCache: services.store,
            flows: flows, renderer: services.renderer, clock: clock)
        callback = CallbackEndpoint(
            policies: policies, registry: registry, iamSmart: iamSmart, mapper: services.mapper, gate: gate, description: description,
            flows: flows, delivery: delivery, sessions: services.sessions, renderer: services.renderer, clock: clock)
        consent = ConsentEndpoint(
            policies: policies, registry: registry, gate: gate, description: description, flows: flows, delivery: delivery,
            idpSessions: idpSessions, sessions: services.sessions, renderer: services.renderer, clock: clock, privacy: configuration.privacy,
            operatorFallback: configuration.baseURL.host ?? configuration.entityID)
        artifact = ArtifactEndpoint(configuration: configuration, registry: registry, vault: services.vault, keys: keys, clock: clock)
        singleLogout = SingleLogoutEndpoint(
            configuration: configuration, registry: registry, store: services.store, vault: services.vault, idpSessions: idpSessions, keys: keys,
            renderer: services.renderer, delivery: delivery, clock: clock)
        myShares = MySharesEndpoint(
            policies: policies, registry: registry, iamSmart: iamSmart, log: transferLog, vault: services.vault, sessions: services.sessions,
            renderer: services.renderer, metrics: services.metrics, pseudonymSecret: configuration.mapping.pseudonymSecretBytes,
            pairwiseScope: configuration.mapping.pairwiseScope, subjectKey: subjectKey.withUnsafeBytes { Data($0) }, clock: clock)
    }

    /// The key of the transfer log's subject digests, derived from the pseudonym secret.
    static func subjectKey(_ configuration: BridgeConfiguration) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: configuration.mapping.pseudonymSecret,
            info: Data("federation-bridge transfer-log subject v1".utf8), outputByteCount: 32)
    }

    /// Installs the flow's routes: resident pages on the resident group,
    /// partner endpoints on the router.
    public func install(on application: BridgeApplication) {
        let resident = application.residentRoutes
        let (delivery, sso, callback, consent, artifact, my) = (delivery, singleSignOn, callback, consent, artifact, myShares)
        let slo = singleLogout
        resident.get("/saml/sso") { request, context in
            await delivery.answer(request, context) { try await sso.singleSignOn(request, context, post: false) }
        }
        resident.post("/saml/sso") { request, context in
            await delivery.answer(request, context) { try await sso.singleSignOn(request, context, post: true) }
        }
        resident.get("/saml/slo") { request, context in await slo.singleLogout(request, context, post: false) }
        resident.post("/saml/slo") { request, context in await slo.singleLogout(request, context, post: true) }
        resident.get("/start") { request, context in await delivery.answer(request, context) { try await sso.startPage(request, context) } }
        resident.get("/iamsmart/callback") { request, context in
            // A "What have I shared?" sign-in comes back here too; its own state tells it apart.
            if await my.owns(request, context) { return try await my.callback(request, context) }
            return await delivery.answer(request, context) { try await callback.callback(request, context) }
        }
        resident.get("/my") { request, context in try await my.page(request, context) }
        resident.get("/my/sign-in") { request, context in try await my.signIn(request, context) }
        resident.get("/my/proof/{seq}") { request, context in try await my.proof(request, context) }
        resident.post("/my/withdraw") { request, context in try await my.withdraw(request, context) }
        resident.post("/my/sign-out") { request, context in try await my.signOut(request, context) }
        resident.get("/approval") { request, context in await delivery.answer(request, context) { try await callback.approvalPage(request, context) }
        }
        resident.post("/approval/cancel") { request, context in
            await delivery.answer(request, context) { try await callback.cancelApproval(request, context) }
        }
        resident.get("/consent") { request, context in await delivery.answer(request, context) { try await consent.consentPage(request, context) } }
        resident.post("/consent") { request, context in
            await delivery.answer(request, context) { try await consent.consentDecision(request, context) }
        }
        application.router.post("/saml/artifact") { request, context in await artifact.resolveArtifact(request, context) }
        application.router.get("/saml/metadata") { _, _ in try self.metadataResponse() }
        services.readiness.register(registry.readinessProbe)
        services.readiness.register(policies.readinessProbe)
    }

    /// `GET /saml/metadata`: our signed IdP metadata, valid for a week.
    func metadataResponse() throws -> Hummingbird.Response {
        Hummingbird.Response(
            status: .ok, headers: [.contentType: "application/samlmetadata+xml"],
            body: .init(byteBuffer: ByteBuffer(data: try keys.signedMetadata(configuration: services.configuration, now: clock.now()))))
    }
}
