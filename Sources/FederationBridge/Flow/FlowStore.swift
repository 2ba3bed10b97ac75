@preconcurrency import Crypto
import Foundation
import Hummingbird
import Logging
import PIAChecks
import SAMLMapper

/// A flow's state in the shared store, seen from the resident's session.
///
/// Every step goes through here: it finds the session's flow, takes it from
/// the phase the step expects with one conditional statement (so of two
/// concurrent requests exactly one proceeds, on any instance), rotates the
/// session ID and ends the flow. State is sealed by `StateVault`.
struct FlowStore: Sendable {
    let vault: StateVault
    let sessions: SessionManager
    let clock: FlowClock
    /// `flow.lifetime`, for messages.
    let lifetime: Duration

    static func pointerID(sessionID: String) -> String {
        "session-" + SHA256.hash(data: Data(sessionID.utf8)).hex
    }

    static func encode<T: Encodable>(_ value: T) throws -> Data { try FlowStateCodec.encode(value) }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T { try FlowStateCodec.decode(type, data) }

    /// The session's pointer and its flow. Throws `noFlow` when the session has
    /// none, `unexpectedStep` when the flow already finished, and `flowExpired`
    /// when the flow timed out (the store dropped it).
    func current(_ context: BridgeRequestContext) async throws -> (pointer: FlowPointer, state: FlowState) {
        let now = clock.now()
        guard let sessionID = context.sessionID, let found = try await vault.pointerAndFlow(id: Self.pointerID(sessionID: sessionID), now: now)
        else {
            throw FlowError(
                .noFlow, .badRequest, .sessionExpired, "no sign-in flow belongs to this browser session (cookie missing, or flow finished)")
        }
        let pointer = try Self.decode(FlowPointer.self, found.pointer)
        guard pointer.finished != true else {
            throw FlowError(.unexpectedStep, .conflict, .sessionExpired, "flow \(pointer.flowID) has already finished; nothing was changed")
        }
        // The flow came with the pointer, by the ID stored beside it; one
        // edited in the store to name another flow is refused.
        let stored: Data?
        if let flowID = found.flowID {
            guard flowID == pointer.flowID else { throw StateVaultError.cannotOpen }
            stored = found.flow
        } else {
            stored = try await vault.flow(id: pointer.flowID, now: now)
        }
        guard let data = stored else {
            guard now >= pointer.flowExpiresAt else {
                // Gone before its time: another request for this flow ended it just now.
                throw FlowError(
                    .unexpectedStep, .conflict, .sessionExpired, "flow \(pointer.flowID) was just finished by another request; nothing was changed")
            }
            throw FlowError(
                .flowExpired, .gone, .sessionExpired,
                "flow \(pointer.flowID) expired after \(lifetime); its data was deleted",
                saml: SAMLStatus(code: SAMLStatus.responder, subCode: SAMLStatus.authnFailed, message: "the sign-in timed out at the bridge"),
                route: pointer.route)
        }
        return (pointer, try Self.decode(FlowState.self, data))
    }

    /// Stores a new flow in its first phase.
    func create(_ state: FlowState) async throws {
        try await vault.putFlow(id: state.flowID, state: try Self.encode(state), phase: state.phase.rawValue, expiresAt: state.expiresAt)
    }

    /// Takes the flow from the phase this step expects to `next`, in one
    /// statement; `unexpectedStep` when another request took it first (or it
    /// moved on), so that request changes nothing and logs nothing.
    func advance(_ state: FlowState, from expected: FlowState.Phase, to next: FlowState.Phase, saving newState: FlowState? = nil) async throws {
        var stored = newState
        stored?.phase = next
        let advanced = try await vault.advanceFlow(
            id: state.flowID, from: expected.rawValue, to: next.rawValue, state: try stored.map(Self.encode), now: clock.now())
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
        let fresh = sessions.newSessionID()
        try await vault.putPointer(
            id: Self.pointerID(sessionID: fresh), state: try Self.encode(pointer), flowID: pointer.flowID,
            expiresAt: pointer.flowExpiresAt.addingTimeInterval(3600))
        if let old = context.sessionID {
            try? await vault.deleteFlow(id: Self.pointerID(sessionID: old))
        }
        return sessions.cookie(for: fresh)
    }

    /// Ends the flow: its personal data goes; the session pointer (no
    /// personal data) is marked finished, so a late duplicate request is
    /// told apart from an expiry and never answers the relying party twice.
    func end(_ state: FlowState, _ context: BridgeRequestContext) async {
        if let sessionID = context.sessionID {
            let finished = FlowPointer(flowID: state.flowID, route: state.route, flowExpiresAt: state.expiresAt, finished: true)
            if let sealed = try? Self.encode(finished) {
                try? await vault.putFlow(
                    id: Self.pointerID(sessionID: sessionID), state: sealed, expiresAt: state.expiresAt.addingTimeInterval(3600))
            }
        }
        try? await vault.deleteFlow(id: state.flowID)
    }
}

extension BridgeRequestContext {
    /// The request's logger with the flow ID on every line.
    func logger(flowID: String) -> Logger {
        var logger = self.logger
        logger[metadataKey: Logger.flowIDKey] = .string(flowID)
        return logger
    }
}
