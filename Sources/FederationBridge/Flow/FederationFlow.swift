@preconcurrency import Crypto
import Foundation
import Hummingbird
import IAMSmart
import Logging
import PIAChecks
import SAMLMapper

/// The sign-in flow: SAML in, iAM Smart, consent, the privacy gate, the
/// Assertion out.
///
/// Each step reads the flow from the encrypted state store, checks it is the
/// step the flow is waiting for, and only then changes anything, so bad
/// input leaves the stored state as it was. The transfer log entry is
/// written before any Response is built; personal data is deleted as soon
/// as the flow ends.
public final class FederationFlow: Sendable {
    let services: BridgeServices
    let policy: Policy
    public let transferLog: TransferLog
    let iamSmart: IAMSmartClient
    public let registry: PartnerMetadataRegistry
    let keys: IdPKeyMaterial
    public let clock: FlowClock
    let gate: PIAGate

    public init(
        services: BridgeServices, policy: Policy, transferLog: TransferLog, iamSmart: IAMSmartClient,
        registry: PartnerMetadataRegistry, keys: IdPKeyMaterial, clock: FlowClock = .system
    ) {
        self.services = services
        self.policy = policy
        self.transferLog = transferLog
        self.iamSmart = iamSmart
        self.registry = registry
        self.keys = keys
        self.clock = clock
        let subjectKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: services.configuration.mapping.pseudonymSecret,
            info: Data("federation-bridge transfer-log subject v1".utf8), outputByteCount: 32)
        self.gate = PIAGate(
            evaluator: PIAEvaluator(policy: policy), log: transferLog, subjectKey: subjectKey, metrics: services.metrics)
    }

    var configuration: BridgeConfiguration { services.configuration }
    var base: String { configuration.baseURLWithoutTrailingSlash }
    var ssoURL: String { base + "/saml/sso" }
    var artifactURL: String { base + "/saml/artifact" }

    /// Installs the flow's routes: resident pages on the resident group,
    /// partner endpoints on the router.
    public func install(on application: BridgeApplication) {
        let resident = application.residentRoutes
        resident.get("/saml/sso") { request, context in await self.handle(request, context) { try await self.singleSignOn(request, context, post: false) } }
        resident.post("/saml/sso") { request, context in await self.handle(request, context) { try await self.singleSignOn(request, context, post: true) } }
        resident.get("/start") { request, context in await self.handle(request, context) { try await self.startPage(request, context) } }
        resident.get("/iamsmart/callback") { request, context in await self.handle(request, context) { try await self.callback(request, context) } }
        resident.get("/consent") { request, context in await self.handle(request, context) { try await self.consentPage(request, context) } }
        resident.post("/consent") { request, context in await self.handle(request, context) { try await self.consentDecision(request, context) } }
        application.router.post("/saml/artifact") { request, context in await self.resolveArtifact(request, context) }
        application.router.get("/saml/metadata") { _, _ in try self.metadataResponse() }
        services.readiness.register(registry.readinessProbe)
    }

    // MARK: Shared steps

    /// Runs a resident step, turning a `FlowError` into its page (and, when
    /// the relying party can be told, a SAML status on the way back).
    func handle(_ request: Request, _ context: BridgeRequestContext, _ body: () async throws -> Hummingbird.Response) async -> Hummingbird.Response {
        do {
            return try await body()
        } catch let error as FlowError {
            context.logger.warning("flow step refused", metadata: ["code": "\(error.code.rawValue)", "detail": "\(error.detail)"])
            return await errorResponse(error, request: request, context: context)
        } catch {
            context.logger.error("flow step failed", metadata: ["error.type": "\(type(of: error))"])
            let failure = FlowError(.internalFailure, .internalServerError, .internal, "unexpected \(type(of: error)); see the log")
            return await errorResponse(failure, request: request, context: context)
        }
    }

    func logger(_ context: BridgeRequestContext, flowID: String) -> Logger {
        var logger = context.logger
        logger[metadataKey: Logger.flowIDKey] = .string(flowID)
        return logger
    }

    static func pointerID(sessionID: String) -> String {
        "session-" + SHA256.hash(data: Data(sessionID.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return try encoder.encode(value)
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try decoder.decode(type, from: data)
    }

    /// The session's pointer and its flow. Throws `noFlow` when the session has
    /// none and `flowExpired` when the flow timed out (the store dropped it).
    func currentFlow(_ context: BridgeRequestContext) async throws -> (pointer: FlowPointer, state: FlowState) {
        let now = clock.now()
        guard let sessionID = context.sessionID,
              let sealed = try await services.vault.flow(id: Self.pointerID(sessionID: sessionID), now: now)
        else {
            throw FlowError(.noFlow, .badRequest, .sessionExpired, "no sign-in flow belongs to this browser session (cookie missing, or flow finished)")
        }
        let pointer = try decode(FlowPointer.self, sealed)
        guard pointer.finished != true else {
            throw FlowError(.unexpectedStep, .conflict, .sessionExpired, "flow \(pointer.flowID) has already finished; nothing was changed")
        }
        guard let data = try await services.vault.flow(id: pointer.flowID, now: now) else {
            guard now >= pointer.flowExpiresAt else {
                // Gone before its time: another request for this flow ended it just now.
                throw FlowError(.unexpectedStep, .conflict, .sessionExpired, "flow \(pointer.flowID) was just finished by another request; nothing was changed")
            }
            throw FlowError(
                .flowExpired, .gone, .sessionExpired,
                "flow \(pointer.flowID) expired after \(configuration.flow.lifetime); its data was deleted",
                saml: SAMLStatus(code: SAMLStatus.responder, subCode: SAMLStatus.authnFailed, message: "the sign-in timed out at the bridge"),
                route: pointer.route)
        }
        return (pointer, try decode(FlowState.self, data))
    }

    /// Stores a new flow in its first phase.
    func create(_ state: FlowState) async throws {
        try await services.vault.putFlow(
            id: state.flowID, state: try encode(state), phase: state.phase.rawValue, expiresAt: state.expiresAt)
    }

    /// Takes the flow from the phase this step expects to `next`, in one
    /// statement; `unexpectedStep` when another request took it first (or it
    /// moved on), so that request changes nothing and logs nothing.
    func advance(_ state: FlowState, from expected: FlowState.Phase, to next: FlowState.Phase, saving newState: FlowState? = nil) async throws {
        var stored = newState
        stored?.phase = next
        let advanced = try await services.vault.advanceFlow(
            id: state.flowID, from: expected.rawValue, to: next.rawValue, state: try stored.map(encode), now: clock.now())
        guard advanced else {
            throw FlowError(
                .unexpectedStep, .conflict, .sessionExpired,
                "flow \(state.flowID) is no longer \(expected.rawValue): another request for the same step got there first; nothing was changed")
        }
    }

    /// Moves the session's flow pointer to a fresh session ID and returns the
    /// cookie to set: the ID a browser held before signing in is not the one
    /// it holds after.
    func rotateSession(_ context: BridgeRequestContext, pointer: FlowPointer) async throws -> Cookie {
        let fresh = services.sessions.newSessionID()
        try await services.vault.putFlow(
            id: Self.pointerID(sessionID: fresh), state: try encode(pointer), expiresAt: pointer.flowExpiresAt.addingTimeInterval(3600))
        if let old = context.sessionID {
            try? await services.vault.deleteFlow(id: Self.pointerID(sessionID: old))
        }
        return services.sessions.cookie(for: fresh)
    }

    /// Ends the flow: its personal data goes; the session pointer (no
    /// personal data) is marked finished, so a late duplicate request is
    /// told apart from an expiry and never answers the relying party twice.
    func end(_ state: FlowState, _ context: BridgeRequestContext) async {
        if let sessionID = context.sessionID {
            let finished = FlowPointer(flowID: state.flowID, route: state.route, flowExpiresAt: state.expiresAt, finished: true)
            if let sealed = try? encode(finished) {
                try? await services.vault.putFlow(
                    id: Self.pointerID(sessionID: sessionID), state: sealed, expiresAt: state.expiresAt.addingTimeInterval(3600))
            }
        }
        try? await services.vault.deleteFlow(id: state.flowID)
    }
}
