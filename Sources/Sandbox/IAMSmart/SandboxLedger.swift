import Crypto
import Foundation
import IAMSmart

/// Everything the sandbox remembers between requests: seen nonces, the issued
/// content key, pending QR sessions, codes, tokens and profile tickets, and the
/// fault switches. One actor, so every check-and-consume is atomic.
actor SandboxLedger {
    struct IssuedKey {
        /// Raw key bytes; `SymmetricKey` is not `Sendable` on every platform.
        var key: Data
        var issueAt: Int64
        var expiresIn: Int64
        var expired: Bool
    }

    struct QRSession {
        var redirectURI: String
        var state: String?
        var scopes: [String]
        var source: String
        /// `zh-HK`, `zh-CN` or `en-US`: the language the app pages speak.
        var lang: String = "zh-HK"
        var createdAt: Int64
    }

    struct Grant {
        var residentID: String
        var scopes: [String]
        var issuedAt: Int64
    }

    struct Ticket {
        enum Status { case pending, approved, declined }
        var accessToken: String
        var fields: Set<String>
        var openedAt: Int64
        var status: Status = .pending
        /// An approval that takes effect only from this time (the "late approval" fault).
        var effectiveAt: Int64 = 0
    }

    var faults = SandboxFaults.none
    private var nonces: [String: Int64] = [:]
    private(set) var contentKey: IssuedKey?
    private var qrSessions: [String: QRSession] = [:]
    private var codes: [String: Grant] = [:]
    private var tokens: [String: Grant] = [:]
    private var tickets: [String: Ticket] = [:]
    /// How many CEKs were issued and revoked, for tests.
    private(set) var keysIssued = 0
    private(set) var keysRevoked = 0

    func setFaults(_ faults: SandboxFaults) { self.faults = faults }

    /// Records a nonce; false when it was already used inside the window.
    func useNonce(_ nonce: String, now: Int64, window: Int64) -> Bool {
        if nonces.count > 10_000 || nonces.count % 100 == 0 {
            nonces = nonces.filter { now - $0.value <= window }
        }
        if let seen = nonces[nonce], now - seen <= window { return false }
        nonces[nonce] = now
        return true
    }

    func issueKey(now: Int64, lifetime: Int64) -> IssuedKey {
        let issued = IssuedKey(key: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }, issueAt: now, expiresIn: lifetime, expired: false)
        contentKey = issued
        keysIssued += 1
        return issued
    }

    /// The key if it is usable now.
    func usableKey(now: Int64) -> Data? {
        guard let contentKey, !contentKey.expired, !faults.rejectContentKeys,
            now < contentKey.issueAt + contentKey.expiresIn
        else { return nil }
        return contentKey.key
    }

    func expireKey() { contentKey?.expired = true }

    func revokeKey() -> Bool {
        defer { contentKey = nil }
        if contentKey != nil { keysRevoked += 1 }
        return contentKey != nil
    }

    func openQRSession(_ session: QRSession) -> String {
        let id = Self.randomToken()
        qrSessions[id] = session
        return id
    }

    func qrSession(_ id: String) -> QRSession? { qrSessions[id] }

    /// Removes the QR session: a decision is made once.
    func takeQRSession(_ id: String, now: Int64, lifetime: Int64) -> QRSession? {
        guard let session = qrSessions.removeValue(forKey: id), now - session.createdAt <= lifetime else { return nil }
        return session
    }

    func issueCode(_ grant: Grant) -> String {
        let code = Self.randomToken()
        codes[code] = grant
        return code
    }

    /// Codes are single use: the first exchange removes it.
    func takeCode(_ code: String, now: Int64, lifetime: Int64) -> Grant? {
        guard let grant = codes.removeValue(forKey: code), now - grant.issuedAt <= lifetime else { return nil }
        return grant
    }

    func issueToken(_ grant: Grant) -> String {
        let token = Self.randomToken()
        tokens = Self.pruned(tokens) { $0.issuedAt }
        tokens[token] = grant
        return token
    }

    func grant(forToken token: String, now: Int64, lifetime: Int64) -> Grant? {
        guard let grant = tokens[token], now - grant.issuedAt <= lifetime else { return nil }
        return grant
    }

    func openTicket(_ ticket: Ticket) -> String {
        let id = Self.randomToken()
        tickets = Self.pruned(tickets) { $0.openedAt }
        tickets[id] = ticket
        return id
    }

    func ticket(_ id: String) -> Ticket? { tickets[id] }

    /// Records the resident's answer in the app, once: a decided ticket keeps its answer.
    func decideTicket(_ id: String, approve: Bool, effectiveAt: Int64) -> Ticket? {
        guard var ticket = tickets[id], ticket.status == .pending else { return nil }
        ticket.status = approve ? .approved : .declined
        ticket.effectiveAt = effectiveAt
        tickets[id] = ticket
        return ticket
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let word = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - word.count) + word
        }.joined()
    }

    /// Tokens and tickets are looked up, never removed, as iAM Smart keeps
    /// them until they expire. Past `limit` entries the older half goes (long
    /// expired by then), so a benchmark of many sign-ins runs in flat memory.
    static func pruned<Value>(_ table: [String: Value], limit: Int = 10_000, time: (Value) -> Int64) -> [String: Value] {
        guard table.count >= limit else { return table }
        let cutoff = table.values.map(time).sorted()[table.count / 2]
        return table.filter { time($0.value) >= cutoff }
    }
}
