import Foundation

/// Short-lived shared state of the bridge: flow state, the replay cache and
/// SAML artifacts.
///
/// Two implementations (SQLite for one instance, PostgreSQL for several
/// behind a load balancer) pass the same tests. Stores hold bytes only;
/// `StateVault` encrypts what holds personal data before it gets here.
/// Every operation that must not race across instances is a single
/// atomic statement.
public protocol StateStore: Sendable {
    /// Creates the tables if they do not exist. Safe to call on every start.
    func prepare() async throws
    /// Cheap round trip for readiness.
    func ping() async throws

    /// Stores (or replaces) a flow's sealed state in `phase` (empty for
    /// records that have no steps, such as a session's pointer).
    func putFlow(id: String, sealed: Data, phase: String, expiresAt: Date) async throws
    /// Moves a live flow from phase `from` to `to`, replacing its sealed state
    /// when `sealed` is given, in one conditional statement. Returns `false`
    /// when the flow is absent, expired or in another phase: of concurrent
    /// callers (on any instance) exactly one gets `true`.
    func advanceFlow(id: String, from: String, to: String, sealed: Data?, now: Date) async throws -> Bool
    /// The sealed state, or `nil` when absent or expired at `now`.
    func flow(id: String, now: Date) async throws -> Data?
    func deleteFlow(id: String) async throws

    /// Records `id` (e.g. an AuthnRequest ID) until `expiresAt`. Returns
    /// `false` when it is already recorded and not yet expired: a replay.
    func insertIfAbsent(replayID: String, expiresAt: Date, now: Date) async throws -> Bool

    /// Stores an artifact's payload once; a second put with the same handle throws `duplicateArtifact`.
    func putArtifact(handle: String, payload: Data, expiresAt: Date) async throws
    /// Deletes and returns the payload in one step, only if not expired at
    /// `now`; a second take (from any instance) gets `nil`.
    func takeArtifact(handle: String, now: Date) async throws -> Data?

    /// Deletes everything expired at `now`.
    func sweep(now: Date) async throws -> SweepCount
}

/// How many expired rows a sweep removed.
public struct SweepCount: Sendable, Hashable {
    public var flows: Int
    public var replayEntries: Int
    public var artifacts: Int

    public init(flows: Int = 0, replayEntries: Int = 0, artifacts: Int = 0) {
        self.flows = flows
        self.replayEntries = replayEntries
        self.artifacts = artifacts
    }
}

public enum StateStoreError: Error, Sendable, CustomStringConvertible {
    case duplicateArtifact
    case cannotOpen(location: String, reason: String)

    public var description: String {
        switch self {
        case .duplicateArtifact:
            "artifact handle already stored (handles must be unique)"
        case .cannotOpen(let location, let reason):
            "cannot open state store \(location): \(reason)"
        }
    }
}

extension Date {
    /// Milliseconds since 1970, the stores' time column.
    var storeMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
}

extension StateStore {
    /// Stores a record that has no steps (phase empty).
    public func putFlow(id: String, sealed: Data, expiresAt: Date) async throws {
        try await putFlow(id: id, sealed: sealed, phase: "", expiresAt: expiresAt)
    }
}
