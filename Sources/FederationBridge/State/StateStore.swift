import Foundation

/// Short-lived shared state of the bridge: flow state, the replay cache,
/// SAML artifacts, sign-in throttling, failures kept for reviewers and the
/// IdP sessions Single Logout ends.
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
    /// Stores (or replaces) a session's sealed pointer with the ID of the
    /// flow it names beside it in the clear (a random ID, no personal data),
    /// so `pointerAndFlow` reads both in one statement.
    func putPointer(id: String, sealed: Data, flowID: String, expiresAt: Date) async throws
    /// A live pointer, the flow ID stored beside it (`nil` for pointers
    /// stored without one) and that flow's sealed state when it is live.
    func pointerAndFlow(id: String, now: Date) async throws -> StoredPointer?

    /// Records `id` (e.g. an AuthnRequest ID) until `expiresAt`. Returns
    /// `false` when it is already recorded and not yet expired: a replay.
    func insertIfAbsent(replayID: String, expiresAt: Date, now: Date) async throws -> Bool

    /// Stores an artifact's payload once; a second put with the same handle throws `duplicateArtifact`.
    func putArtifact(handle: String, payload: Data, expiresAt: Date) async throws
    /// Deletes and returns the payload in one step, only if not expired at
    /// `now`; a second take (from any instance) gets `nil`.
    func takeArtifact(handle: String, now: Date) async throws -> Data?

    /// Counts one failed sign-in for `key` in one statement, on any
    /// instance: the count restarts once `windowEnds` of the previous count
    /// has passed, and reaching `limit` sets the lock to `lockedUntil`.
    /// Returns the failures counted and the lock's end (past when not locked).
    func recordFailedSignIn(key: String, now: Date, windowEnds: Date, limit: Int, lockedUntil: Date) async throws -> SignInFailures
    /// The failures recorded for `key`, or `nil` when none are live at `now`.
    func failedSignIns(key: String, now: Date) async throws -> SignInFailures?
    /// Forgets the failures of `key` (after a successful sign-in).
    func clearFailedSignIns(key: String) async throws

    /// Keeps a failure that did not reach the transfer log until `expiresAt`:
    /// one INSERT.
    func recordFailure(_ record: FailureRecord, expiresAt: Date) async throws
    /// Live failures whose reference or flow reference is `reference`, newest
    /// first, at most `limit`.
    func failures(reference: String, now: Date, limit: Int) async throws -> [FailureRecord]
    /// Adds a relying party to the IdP session `key` (or replaces its
    /// earlier part, a new sign-in to the same party), until `expiresAt`.
    func joinIdPSession(key: String, participant: SessionParticipant, expiresAt: Date) async throws
    /// The live participant that was given `sessionIndex`, and its session's key.
    func idpSession(sessionIndex: String, now: Date) async throws -> (key: String, participant: SessionParticipant)?
    /// Ends the IdP session `key` in one statement and returns its live
    /// participants; a second caller (on any instance) gets none.
    func endIdPSession(key: String, now: Date) async throws -> [SessionParticipant]

    /// Deletes everything expired at `now`.
    func sweep(now: Date) async throws -> SweepCount
}

/// One relying party's part of a resident's IdP session, as Single Logout
/// needs it: pseudonymous values only (the pairwise NameID it was given and
/// the random SessionIndex of its Assertion), never personal data.
public struct SessionParticipant: Sendable, Hashable, Codable {
    public var relyingParty: String
    public var nameID: String
    public var sessionIndex: String

    public init(relyingParty: String, nameID: String, sessionIndex: String) {
        self.relyingParty = relyingParty
        self.nameID = nameID
        self.sessionIndex = sessionIndex
    }
}

/// Failed sign-ins counted for one key.
public struct SignInFailures: Sendable, Hashable {
    public var failures: Int
    public var lockedUntil: Date

    public init(failures: Int, lockedUntil: Date) {
        self.failures = failures
        self.lockedUntil = lockedUntil
    }

    public func isLocked(at now: Date) -> Bool { lockedUntil > now }
}

/// How many expired rows a sweep removed.
public struct SweepCount: Sendable, Hashable {
    public var flows: Int
    public var replayEntries: Int
    public var artifacts: Int
    public var signInFailures: Int
    /// Failure records past their retention.
    public var failureRecords: Int
    /// IdP sessions past their lifetime.
    public var idpSessions: Int

    public init(
        flows: Int = 0, replayEntries: Int = 0, artifacts: Int = 0, signInFailures: Int = 0, failureRecords: Int = 0, idpSessions: Int = 0
    ) {
        self.flows = flows
        self.replayEntries = replayEntries
        self.artifacts = artifacts
        self.signInFailures = signInFailures
        self.failureRecords = failureRecords
        self.idpSessions = idpSessions
    }
}

public enum StateStoreError: Error, Sendable, CustomStringConvertible {
    case duplicateArtifact
    case cannotOpen(location: String, reason: String)
    /// The database answers but refuses writes.
    case readOnly

    public var description: String {
        switch self {
        case .duplicateArtifact:
            "artifact handle already stored (handles must be unique)"
        case .cannotOpen(let location, let reason):
            "cannot open state store \(location): \(reason)"
        case .readOnly:
            "state store is read-only (a standby or read-only mode): no step can be recorded"
        }
    }
}

extension Date {
    /// Milliseconds since 1970, the stores' time column.
    var storeMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    init(storeMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(storeMilliseconds) / 1000)
    }
}

/// A session's pointer as stored, with the flow it names when read together.
public struct StoredPointer: Sendable {
    public var sealed: Data
    public var flowID: String?
    public var flow: Data?

    public init(sealed: Data, flowID: String?, flow: Data?) {
        self.sealed = sealed
        self.flowID = flowID
        self.flow = flow
    }
}

extension StateStore {
    /// Stores without the clear flow ID, for stores that keep none.
    public func putPointer(id: String, sealed: Data, flowID: String, expiresAt: Date) async throws {
        try await putFlow(id: id, sealed: sealed, phase: "", expiresAt: expiresAt)
    }

    /// Two reads, for stores without a joined one: the caller finds the flow by the pointer's content.
    public func pointerAndFlow(id: String, now: Date) async throws -> StoredPointer? {
        try await flow(id: id, now: now).map { StoredPointer(sealed: $0, flowID: nil, flow: nil) }
    }

    /// Stores a record that has no steps (phase empty).
    public func putFlow(id: String, sealed: Data, expiresAt: Date) async throws {
        try await putFlow(id: id, sealed: sealed, phase: "", expiresAt: expiresAt)
    }
}
