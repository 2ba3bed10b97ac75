import Foundation
import SAMLMapper

/// What the sandbox relying party received at its ACS and what its checks
/// concluded. Kept in memory so a tester (or a test) can inspect it.
public struct RelyingPartyOutcome: Sendable {
    public enum Binding: String, Sendable {
        case post = "HTTP-POST"
        case artifact = "HTTP-Artifact"
    }

    public var binding: Binding
    /// True when every check passed: signatures, decryption, audience, recipient, times, InResponseTo.
    public var verified: Bool
    /// The first check that failed, if any.
    public var problem: String?
    public var statusCode: String?
    public var subStatusCode: String?
    public var statusMessage: String?
    public var nameID: String?
    public var nameIDFormat: String?
    /// The Assertion's `AuthnContextClassRef`.
    public var authnContextClassRef: String?
    /// The AuthnStatement's `SessionIndex`, which a LogoutRequest names.
    public var sessionIndex: String?
    public var attributes: [SAMLAttribute]
    /// Whether the Response carried its assertion encrypted.
    public var encrypted: Bool
    /// The Response exactly as received (after artifact resolution).
    public var responseXML: Data
    /// Each EncryptedAssertion, decrypted with our key, as signed by the bridge.
    public var decryptedAssertions: [Data]
    public var inResponseTo: String?

    public var isSuccess: Bool { statusCode == SAMLStatus.success }

    public func attribute(_ name: String) -> [String]? {
        attributes.first { $0.name == name }?.values
    }
}

/// Requests the relying party sent and outcomes it saw.
actor RelyingPartyLedger {
    struct Pending {
        var binding: RelyingPartyOutcome.Binding
        var createdAt: Date
    }

    private var pending: [String: Pending] = [:]
    private(set) var outcomes: [RelyingPartyOutcome] = []
    /// Signed-in sessions: SessionIndex → NameID.
    private(set) var sessions: [String: String] = [:]
    /// LogoutRequests we sent and await an answer to, by ID.
    private var pendingLogouts: Set<String> = []
    private(set) var logouts: [RelyingPartyLogout] = []

    func remember(requestID: String, binding: RelyingPartyOutcome.Binding) {
        pending[requestID] = Pending(binding: binding, createdAt: Date())
    }

    /// The pending request, removed: each Response is accepted once.
    func take(requestID: String) -> Pending? {
        pending.removeValue(forKey: requestID)
    }

    /// Outcomes kept for inspection; older ones go so long benchmark runs stay in flat memory.
    static let retainedOutcomes = 10_000

    func record(_ outcome: RelyingPartyOutcome) {
        if outcomes.count >= Self.retainedOutcomes { outcomes.removeFirst(outcomes.count / 2) }
        outcomes.append(outcome)
        if outcome.verified, outcome.isSuccess, let index = outcome.sessionIndex, let nameID = outcome.nameID { sessions[index] = nameID }
    }

    /// Ends the local session with this SessionIndex; whether it was live.
    func endSession(sessionIndex: String, nameID: String) -> Bool {
        guard sessions[sessionIndex] == nameID else { return false }
        sessions[sessionIndex] = nil
        return true
    }

    func remember(logoutRequestID: String) {
        pendingLogouts.insert(logoutRequestID)
    }

    /// Whether a LogoutResponse to `requestID` is awaited; each is accepted once.
    func take(logoutRequestID: String) -> Bool {
        pendingLogouts.remove(logoutRequestID) != nil
    }

    func record(_ logout: RelyingPartyLogout) {
        logouts.append(logout)
    }
}
