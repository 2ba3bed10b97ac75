import Foundation

@testable import FederationBridge

/// A state store that never answers: every call waits until it is cancelled.
struct StuckStore: StateStore {
    private func stuck() async throws -> Never {
        try await Task.sleep(for: .seconds(24 * 3600))
        throw CancellationError()
    }

    func prepare() async throws { try await stuck() }
    func ping() async throws { try await stuck() }
    func putFlow(id: String, sealed: Data, phase: String, expiresAt: Date) async throws { try await stuck() }
    func advanceFlow(id: String, from: String, to: String, sealed: Data?, now: Date) async throws -> Bool { try await stuck() }
    func flow(id: String, now: Date) async throws -> Data? { try await stuck() }
    func deleteFlow(id: String) async throws { try await stuck() }
    func insertIfAbsent(replayID: String, expiresAt: Date, now: Date) async throws -> Bool { try await stuck() }
    func putArtifact(handle: String, payload: Data, expiresAt: Date) async throws { try await stuck() }
    func takeArtifact(handle: String, now: Date) async throws -> Data? { try await stuck() }
    func recordFailedSignIn(key: String, now: Date, windowEnds: Date, limit: Int, lockedUntil: Date) async throws -> SignInFailures {
        try await stuck()
    }
    func failedSignIns(key: String, now: Date) async throws -> SignInFailures? { try await stuck() }
    func clearFailedSignIns(key: String) async throws { try await stuck() }
    func recordFailure(_ record: FailureRecord, expiresAt: Date) async throws { try await stuck() }
    func failures(reference: String, now: Date, limit: Int) async throws -> [FailureRecord] { try await stuck() }
    func joinIdPSession(key: String, participant: SessionParticipant, expiresAt: Date) async throws { try await stuck() }
    func idpSession(sessionIndex: String, now: Date) async throws -> (key: String, participant: SessionParticipant)? { try await stuck() }
    func endIdPSession(key: String, now: Date) async throws -> [SessionParticipant] { try await stuck() }
    func sweep(now: Date) async throws -> SweepCount { try await stuck() }
}
