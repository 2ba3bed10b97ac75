@preconcurrency import Crypto
import Foundation
import Hummingbird
import IAMSmart
import Logging
import PIAChecks
import SAMLMapper

/// `/my`, "What have I shared?": a resident signs in with iAM Smart (the
/// sign-in only, no data request) and sees every transfer log entry about
/// them — recipient, purpose, attribute names, time, outcome — each with its
/// inclusion proof, and can record a withdrawal of consent for a recipient.
///
/// Entries are found by the keyed subject digest the log already carries:
/// the openID gives the pairwise identifier for each recipient, the log key
/// its digest. Nothing new about the resident is stored.
struct MySharesEndpoint: Sendable {
    let policies: PolicyStore
    var policy: Policy { policies.current }
    let registry: PartnerMetadataRegistry
    let iamSmart: IAMSmartClient
    let log: TransferLog
    let vault: StateVault
    let sessions: SessionManager
    let renderer: PageRenderer
    let metrics: BridgeMetrics
    let pseudonymSecret: Data
    let pairwiseScope: String
    let subjectKey: Data
    let clock: FlowClock

    /// How long a signed-in view lasts.
    static let lifetime: TimeInterval = 900
    /// Entries shown per recipient, newest first.
    static let entriesPerRecipient = 200

    // MARK: Pages

    /// `GET /my`: the sign-in link, or the resident's entries.
    func page(_ request: Request, _ context: BridgeRequestContext) async throws -> Response {
        guard let sessionID = context.sessionID, let session = try await load(sessionID), !session.subjects.isEmpty else {
            return renderer.response(.myShares(MySharesPage(signInURL: "/my/sign-in")), language: context.language, path: request.uri.path)
        }
        let notice = request.uri.queryParameters["withdrawn"].map(String.init).flatMap { entityID -> String? in
            guard session.subjects[entityID] != nil else { return nil }
            return PageStrings.format("my.withdrawn_notice", in: context.language, ["recipient": recipientName(entityID, context.language)])
        }
        let page = MySharesPage(
            signInURL: nil, recipients: try await shares(session, language: context.language),
            csrfToken: sessions.csrfToken(sessionID: sessionID, purpose: "my"), notice: notice, verifierKey: log.verifier.verifierKey)
        return renderer.response(.myShares(page), language: context.language, path: request.uri.path)
    }

    /// `GET /my/sign-in`: to iAM Smart, for the sign-in only (`eidapi_auth`).
    func signIn(_ request: Request, _ context: BridgeRequestContext) async throws -> Response {
        guard let sessionID = context.sessionID else { throw ResidentError(.sessionExpired) }
        let source = AuthorizationSource(userAgent: request.headers[.userAgent])
        let (pending, _) = iamSmart.beginAuthorization(flowID: "my-" + FlowID.random().value, source: source, scopes: ["eidapi_auth"])
        let now = clock.now()
        try await save(MySession(pending: pending, subjects: [:], expiresAt: now.addingTimeInterval(Self.lifetime)), sessionID: sessionID)
        let url = iamSmart.authorizationURL(for: pending, lang: context.language.iamSmartLang)
        return Response(status: .seeOther, headers: [.location: url.absoluteString, .cacheControl: "no-store"])
    }

    /// Whether an iAM Smart callback answers this session's `/my` sign-in
    /// (the flow's callback handles every other).
    func owns(_ request: Request, _ context: BridgeRequestContext) async -> Bool {
        guard let sessionID = context.sessionID, let state = request.uri.queryParameters["state"],
            let session = try? await load(sessionID), let pending = session.pending
        else { return false }
        return pending.state == String(state)
    }

    /// The callback of a `/my` sign-in: the digests for every recipient,
    /// under a fresh session ID.
    func callback(_ request: Request, _ context: BridgeRequestContext) async throws -> Response {
        guard let sessionID = context.sessionID, let session = try await load(sessionID), let pending = session.pending else {
            throw ResidentError(.sessionExpired)
        }
        // The pending sign-in is used once, whatever the answer.
        try await vault.deleteFlow(id: MySession.key(sessionID: sessionID))
        let query = request.uri.queryParameters
        let parameters = CallbackParameters(
            code: query["code"].map(String.init), state: query["state"].map(String.init), error: query["error"].map(String.init))
        let signedIn: IAMSmartSession
        do {
            signedIn = try await iamSmart.completeAuthorization(callback: parameters, pending: pending, flowID: pending.flowID)
        } catch {
            context.logger.notice("my shares: iAM Smart sign-in did not complete", metadata: ["reference": "\(context.id)", "error": "\(error)"])
            throw ResidentError(.iamSmartFailed, status: .badGateway, reference: context.id)
        }
        let now = clock.now()
        let fresh = sessions.newSessionID()
        try await save(
            MySession(pending: nil, subjects: subjects(openID: signedIn.openID), expiresAt: now.addingTimeInterval(Self.lifetime)),
            sessionID: fresh)
        context.logger.info("my shares: signed in", metadata: ["openid.digest": "\(signedIn.openIDDigest)"])
        var response = Response(status: .seeOther, headers: [.location: "/my", .cacheControl: "no-store"])
        response.setCookie(sessions.cookie(for: fresh))
        return response
    }

    /// `GET /my/proof/{seq}`: the inclusion proof of one of the resident's own entries.
    func proof(_ request: Request, _ context: BridgeRequestContext) async throws -> Response {
        guard let sessionID = context.sessionID, let session = try await load(sessionID), !session.subjects.isEmpty else {
            throw ResidentError(.sessionExpired, status: .forbidden)
        }
        guard let text = context.parameters.get("seq"), text.count <= 18, let seq = Int(text), seq >= 0,
            let entry = try? await log.entry(seq: seq), let subject = entry.entry?.subjectDigest,
            session.subjects.values.contains(subject)
        else { throw ResidentError(.notFound, status: .notFound) }
        let json = try await log.inclusionProof(seq: seq).jsonText() + "\n"
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"transfer-\(seq)-inclusion-proof.json\""
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// `POST /my/withdraw`: one log entry per purpose the resident's data
    /// went to this recipient for; the recipient's notification export lists it.
    func withdraw(_ request: Request, _ context: BridgeRequestContext) async throws -> Response {
        let form = try await FormFields.from(request, limit: 4096)
        guard let sessionID = context.sessionID, sessions.verifyCSRF(form["csrf"], sessionID: sessionID, purpose: "my") else {
            throw ResidentError(.formExpired, status: .forbidden)
        }
        guard let session = try await load(sessionID), let recipient = form["recipient"], let subject = session.subjects[recipient] else {
            throw ResidentError(.sessionExpired, status: .conflict)
        }
        let transfers = try await log.entries(
            filter: LogFilter(recipient: recipient, decision: .transfer, subjectDigest: subject), page: .all)
        let purposes = Set(transfers.compactMap { $0.entry?.purpose }).sorted()
        guard !purposes.isEmpty else { throw ResidentError(.invalidRequest, status: .conflict) }
        let now = clock.now()
        for purpose in purposes {
            let entry = TransferLogEntry(
                time: now, recipient: recipient, purpose: purpose, legalBasis: "consent withdrawn (PIPL Art. 15)", attributes: [],
                checks: [CheckResult.pass("consent.withdrawn", "recorded at the resident's request on the What have I shared? page")],
                consentDigest: "", subjectDigest: subject, assertionID: "_wd-" + FlowID.random().value.dropFirst(3), decision: .withdrawn)
            let sequenced: SequencedEntry
            do {
                sequenced = try await log.append(entry)
            } catch {
                context.logger.error(
                    "my shares: withdrawal not recorded", metadata: ["reference": "\(context.id)", "error.type": "\(type(of: error))"])
                throw ResidentError(.internal, status: .serviceUnavailable, reference: context.id)
            }
            metrics.recordTransfer(recipient: recipient, decision: .withdrawn)
            context.logger.info(
                "my shares: consent withdrawal recorded", metadata: ["rp": "\(recipient)", "purpose": "\(purpose)", "seq": "\(sequenced.seq)"])
        }
        let query = ReviewQuery.encode([("withdrawn", recipient)])
        return Response(status: .seeOther, headers: [.location: "/my?\(query)", .cacheControl: "no-store"])
    }

    /// `POST /my/sign-out`.
    func signOut(_ request: Request, _ context: BridgeRequestContext) async throws -> Response {
        let form = try await FormFields.from(request, limit: 4096)
        guard let sessionID = context.sessionID, sessions.verifyCSRF(form["csrf"], sessionID: sessionID, purpose: "my") else {
            throw ResidentError(.formExpired, status: .forbidden)
        }
        try await vault.deleteFlow(id: MySession.key(sessionID: sessionID))
        return Response(status: .seeOther, headers: [.location: "/my", .cacheControl: "no-store"])
    }

    // MARK: Finding the entries

    /// The subject digest under which the log files this resident for each
    /// recipient in the policy or the partner metadata.
    func subjects(openID: String) -> [String: String] {
        let recipients = Set(policy.recipients.map(\.entityID) + registry.serviceProviders(now: clock.now()).map(\.entityID))
        var subjects: [String: String] = [:]
        for recipient in recipients {
            let pairwise = PairwiseIdentifier(
                secret: SymmetricKey(data: pseudonymSecret), openID: openID, recipientEntityID: recipient, scope: pairwiseScope)
            subjects[recipient] = TransferLogEntry.subjectDigest(pairwiseSubject: pairwise.value, key: SymmetricKey(data: subjectKey))
        }
        return subjects
    }

    func shares(_ session: MySession, language: Language) async throws -> [MySharesPage.RecipientShares] {
        var result: [MySharesPage.RecipientShares] = []
        for (recipient, subject) in session.subjects.sorted(by: { $0.key < $1.key }) {
            let entries = try await log.entries(
                filter: LogFilter(subjectDigest: subject), page: Page(limit: Self.entriesPerRecipient), newestFirst: true)
            let rows = entries.compactMap { sequenced -> MySharesPage.Entry? in
                guard let entry = sequenced.entry, entry.recipient == recipient else { return nil }
                return MySharesPage.Entry(
                    sequence: sequenced.seq, time: Self.hongKongTime(entry.time),
                    purpose: policy.purpose(id: entry.purpose)?.descriptions[language.rawValue] ?? entry.purpose,
                    attributes: entry.attributes.map {
                        GuangdongAttribute(rawValue: $0.name).map { PageStrings.label(for: $0, in: language) } ?? $0.name
                    },
                    decision: PageStrings.table(for: language)["my.decision.\(entry.decision.rawValue)"] ?? entry.decision.rawValue,
                    decisionCode: entry.decision.rawValue, proofURL: "/my/proof/\(sequenced.seq)")
            }
            guard !rows.isEmpty else { continue }
            result.append(
                MySharesPage.RecipientShares(
                    entityID: recipient, name: recipientName(recipient, language), contact: policy.recipient(entityID: recipient)?.contact ?? "",
                    subjectDigest: subject, entries: rows,
                    // Something was sent since the last withdrawal (rows are newest first).
                    canWithdraw: rows.first { [TransferDecision.transfer.rawValue, TransferDecision.withdrawn.rawValue].contains($0.decisionCode) }?
                        .decisionCode == TransferDecision.transfer.rawValue))
        }
        return result
    }

    func recipientName(_ entityID: String, _ language: Language) -> String {
        policy.recipient(entityID: entityID)?.name(in: language.rawValue) ?? entityID
    }

    /// `2026-11-27 08:03` in Hong Kong.
    static func hongKongTime(_ date: Date) -> String {
        let c = ReviewFormat.hongKongCalendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    // MARK: The session record

    func load(_ sessionID: String) async throws -> MySession? {
        guard let data = try await vault.flow(id: MySession.key(sessionID: sessionID), now: clock.now()) else { return nil }
        return try? FlowStore.decode(MySession.self, data)
    }

    func save(_ session: MySession, sessionID: String) async throws {
        try await vault.putFlow(id: MySession.key(sessionID: sessionID), state: try FlowStore.encode(session), expiresAt: session.expiresAt)
    }
}
