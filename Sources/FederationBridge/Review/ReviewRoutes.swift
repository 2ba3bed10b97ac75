import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import PIAChecks

/// The privacy reviewer's read-only pages, ready to mount on any router.
///
/// ```swift
/// let log = TransferLog(store: store, verifier: verifier)   // read-only: public key only
/// let routes = try ReviewRoutes(log: log, policy: policy, accounts: accounts, auditLog: audit)
/// routes.register(on: router)          // serves /review, /review/entries, …
/// ```
///
/// Every request is authenticated — a session from the sign-in page, or
/// HTTP Basic for scripted exports, both throttled the same way — and
/// recorded in the reviewer audit trail before anything is read; a request
/// whose audit record cannot be written is refused. Only GET reads; POST
/// serves only signing in and out.
public struct ReviewRoutes: Sendable {
    let reader: ReviewLogReader
    let context: ReviewPolicyContext
    let signIn: ReviewSignIn
    let auditLog: ReviewAuditLog
    let layout: ReviewLayout
    let basePath: String
    let logger: Logger

    /// - Parameters:
    ///   - log: the transfer log to show; open it with the verifier key only
    ///     (`TransferLog(store:verifier:)`): the pages never write.
    ///   - policy: the current policy, for recipient contracts, purpose texts and necessities.
    ///   - basePath: where the pages are mounted; links are built from it.
    public init(
        log: TransferLog, policy: Policy, signIn: ReviewSignIn, auditLog: ReviewAuditLog,
        basePath: String = "/review", logger: Logger = Logger(label: "FederationBridge.review")
    ) throws(ReviewConfigurationError) {
        guard basePath.hasPrefix("/"), !basePath.hasSuffix("/"), !basePath.contains("{"), !basePath.contains(":") else {
            throw ReviewConfigurationError("base path '\(basePath)' must start with '/' and not end with one")
        }
        do {
            self.layout = try ReviewLayout(basePath: basePath)
        } catch {
            throw ReviewConfigurationError("a page template does not parse: \(error)")
        }
        self.reader = ReviewLogReader(log: log)
        self.context = ReviewPolicyContext(policy)
        self.signIn = signIn
        self.auditLog = auditLog
        self.basePath = basePath
        self.logger = logger
    }

    /// Adds the reviewer routes under `basePath`.
    public func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        let group = router.group(RouterPath(basePath))
        group.get("sign-in") { request, _ in signInPage(request, message: nil, status: .ok) }
        group.post("sign-in") { request, _ in await signInAnswer(request) }
        group.post("sign-out") { request, _ in await signOut(request) }
        group.get { request, _ in
            await respond(to: request, action: "view-overview", target: { _ in "overview" }) { _ in try await overview(request) }
        }
        group.get("entries") { request, _ in
            await respond(to: request, action: "search", target: { try ReviewFilter(query: $0).auditDescription }) { reviewer in
                try await search(request, reviewer: reviewer)
            }
        }
        group.get("entries/{sequence}") { request, requestContext in
            let sequence = requestContext.parameters.get("sequence")
            return await respond(to: request, action: "view-entry", target: { _ in "entry \(sequence?.prefix(24) ?? "?")" }) { _ in
                try await entry(sequence)
            }
        }
        group.get("entries/{sequence}/proof") { request, requestContext in
            let sequence = requestContext.parameters.get("sequence")
            return await respond(to: request, action: "download-proof", target: { _ in "entry \(sequence?.prefix(24) ?? "?")" }) { _ in
                try await proof(sequence)
            }
        }
        group.get("export.csv") { request, _ in
            await respond(to: request, action: "export-csv", target: { try ReviewFilter(query: $0).auditDescription }) { _ in
                let records = try await filtered(request)
                return .download(ReviewExport.csv(records), contentType: "text/csv; charset=utf-8", filename: "transfer-log.csv")
            }
        }
        group.get("export.jsonl") { request, _ in
            await respond(to: request, action: "export-jsonl", target: { try ReviewFilter(query: $0).auditDescription }) { _ in
                // The hashed bytes, as `bridge log export` gives them.
                let filter = try ReviewFilter(query: ReviewQuery(request.uri.query))
                let entries = try await reader.log.entries(filter: filter.logFilter, page: .all)
                return .download(
                    ReviewExport.jsonLines(entries), contentType: "application/jsonl; charset=utf-8", filename: "transfer-log.jsonl")
            }
        }
        group.get("notifications.csv") { request, _ in
            await respond(to: request, action: "export-notifications", target: { "recipient=\($0["recipient"] ?? "all")" }) { _ in
                .download(
                    try await notifications(ReviewQuery(request.uri.query)["recipient"]), contentType: "text/csv; charset=utf-8",
                    filename: "consent-withdrawals.csv")
            }
        }
        group.get("summary") { request, _ in
            await respond(to: request, action: "view-pia-summary", target: { try ReviewFilter(query: $0).auditDescription }) { reviewer in
                try await summary(request, reviewer: reviewer)
            }
        }
    }

    // MARK: Pages

    private func overview(_ request: Request) async throws -> Rendered {
        let statistics = try await reader.statistics(ReviewFilter())
        let latest = try await reader.page(ReviewFilter(), number: 1, size: ReviewOverviewPage.latestCount).records
        let integrity = await reader.integrity()
        let page = ReviewOverviewPage(base: basePath, statistics: statistics, latest: latest, integrity: integrity)
        return .page(template: "overview", page: page, title: "Overview")
    }

    /// One read of the log: the drop-downs offer what the current policy and
    /// the standard checks name (a value chosen by hand is kept on screen).
    private func search(_ request: Request, reviewer: Reviewer) async throws -> Rendered {
        let query = ReviewQuery(request.uri.query)
        let filter = try ReviewFilter(query: query)
        let found = try await reader.page(filter, number: try Self.pageNumber(query), size: ReviewSearchPage.pageSize)
        let searchPage = ReviewSearchPage(
            base: basePath, filter: filter, query: query, page: found.page, matched: found.matched, rows: found.records,
            choices: (recipients: context.recipientIDs, purposes: context.purposeIDs, checks: Self.checkIDs))
        return .page(template: "search", page: searchPage, title: "Search")
    }

    /// The checks the bridge runs, in verdict order, for the search form.
    static let checkIDs = PIAEvaluator.standardChecks.map(\.id)

    private func entry(_ sequenceText: String?) async throws -> Rendered {
        let sequence = try Self.sequence(sequenceText)
        let record = try await reader.record(sequence: sequence)
        var proof: ReviewEntryPage.Proof?
        var proofError: String?
        if !record.redacted {
            do {
                proof = try ReviewEntryPage.Proof(try await reader.proof(sequence: sequence), verifier: reader.log.verifier)
            } catch {
                proofError = "\(error)"
            }
        }
        let page = ReviewEntryPage(base: basePath, record: record, context: context, proof: proof, proofError: proofError)
        return .page(template: "entry", page: page, title: "Entry \(sequence)")
    }

    private func proof(_ sequenceText: String?) async throws -> Rendered {
        let sequence = try Self.sequence(sequenceText)
        let json = try await reader.proof(sequence: sequence).jsonText() + "\n"
        return .download(json, contentType: "application/json; charset=utf-8", filename: "entry-\(sequence)-inclusion-proof.json")
    }

    /// Withdrawals of consent (for one recipient, or all), each with the
    /// assertions that recipient had received about the same resident.
    private func notifications(_ recipient: String?) async throws -> String {
        let recipient = recipient.flatMap { $0.isEmpty ? nil : $0 }
        let withdrawals = try await reader.log.entries(filter: LogFilter(recipient: recipient, decision: .withdrawn), page: .all)
        var rows: [(withdrawal: SequencedEntry, earlier: [String])] = []
        for withdrawal in withdrawals {
            guard let entry = withdrawal.entry else { continue }
            let earlier = try await reader.log.entries(
                filter: LogFilter(recipient: entry.recipient, decision: .transfer, until: entry.time, subjectDigest: entry.subjectDigest),
                page: .all)
            rows.append((withdrawal, earlier.compactMap { $0.entry?.assertionID }))
        }
        return ReviewExport.notifications(rows)
    }

    private func filtered(_ request: Request) async throws -> [ReviewRecord] {
        let filter = try ReviewFilter(query: ReviewQuery(request.uri.query))
        return try await reader.records(filter)
    }

    private func summary(_ request: Request, reviewer: Reviewer) async throws -> Rendered {
        let query = ReviewQuery(request.uri.query)
        let filter = try ReviewFilter(query: query)
        var statistics: ReviewStatistics?
        if let purpose = filter.purpose {
            let matching = try await reader.statistics(filter)
            // A purpose since removed from the policy can still be summarised
            // from its entries; one that is in neither is a typo.
            guard matching.total > 0 || context.purpose(purpose) != nil else { throw ReviewRequestError.noSuchPurpose(purpose) }
            statistics = matching
        }
        let page = ReviewSummaryPage(
            base: basePath, purposes: context.purposeIDs, query: query, filter: filter, statistics: statistics, context: context,
            integrity: await reader.integrity(), reviewer: reviewer, now: Date())
        return .page(template: "summary", page: page, title: "PIA summary\(filter.purpose.map { ": \($0)" } ?? "")")
    }

    // MARK: Signing in and out

    private func signInPage(_ request: Request, message: String?, status: HTTPResponse.Status) -> Response {
        let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init), base: basePath)
        let page = ReviewSignInPage(base: basePath, next: next, message: message)
        return Self.html(status, layout.render(template: "signin", page: page, title: "Sign in", reviewer: nil))
    }

    private func signInAnswer(_ request: Request) async -> Response {
        guard let form = try? await FormFields.from(request, limit: 4096),
            let username = form["username"], let password = form["password"], !username.isEmpty
        else {
            return signInPage(request, message: "Enter your reviewer name and password.", status: .badRequest)
        }
        let next = Self.safeNext(form["next"], base: basePath)
        do {
            switch try await signIn.signIn(username: username, password: password) {
            case .signedIn(let reviewer):
                _ = try await auditLog.record(reviewer: reviewer, action: "sign-in", target: "session")
                var response = Response(status: .seeOther, headers: [.location: next, .cacheControl: "no-store"])
                response.setCookie(try await signIn.startSession(for: reviewer, path: basePath))
                return response
            case .refused:
                await auditLog.recordRefusedSignIn()
                return signInPage(request, message: "The reviewer name or password is wrong.", status: .unauthorized)
            case .locked(let until):
                await auditLog.recordRefusedSignIn()
                return locked(until: until) { message in signInPage(request, message: message, status: .tooManyRequests) }
            }
        } catch {
            logger.error("reviewer sign-in failed", metadata: ["error": "\(error)"])
            return signInPage(
                request, message: "Signing in is not possible right now: the state store or the audit trail cannot be written.",
                status: .serviceUnavailable)
        }
    }

    private func signOut(_ request: Request) async -> Response {
        if let reviewer = await signIn.reviewer(for: request) {
            _ = try? await auditLog.record(reviewer: reviewer, action: "sign-out", target: "session")
        }
        var response = Response(status: .seeOther, headers: [.location: "\(basePath)/sign-in", .cacheControl: "no-store"])
        response.setCookie(await signIn.endSession(request, path: basePath))
        return response
    }

    /// A locked account's answer, with `Retry-After`.
    private func locked(until: Date, _ page: (String) -> Response) -> Response {
        var response = page("Too many failed sign-ins for this name. Try again after \(ReviewFormat.readable(until)).")
        response.headers[.retryAfter] = String(max(1, Int(until.timeIntervalSinceNow.rounded(.up))))
        return response
    }

    /// Only a path under the reviewer pages: never another site.
    static func safeNext(_ next: String?, base: String) -> String {
        guard let next, next.hasPrefix(base + "/") || next == base, !next.contains("//"), !next.contains("\\"), !next.contains("/."),
            next.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 })
        else { return base }
        return next
    }

    // MARK: Plumbing

    /// What a page handler produces before the frame and headers are added.
    enum Rendered {
        case page(template: String, page: Any, title: String)
        case download(String, contentType: String, filename: String)
    }

    /// Authenticates, records the action, runs `body`, and turns errors into
    /// pages a reviewer can act on. Never lets an unauthenticated request
    /// reach `body` or the log.
    private func respond(
        to request: Request, action: String, target: (ReviewQuery) throws -> String,
        _ body: (Reviewer) async throws -> Rendered
    ) async -> Response {
        let reviewer: Reviewer
        if let session = await signIn.reviewer(for: request) {
            reviewer = session
        } else if let basic = request.headers.basic {
            switch (try? await signIn.signIn(username: basic.username, password: basic.password)) ?? .refused {
            case .signedIn(let signedIn):
                reviewer = signedIn
            case .refused:
                await auditLog.recordRefusedSignIn()
                return Self.unauthorized()
            case .locked(let until):
                await auditLog.recordRefusedSignIn()
                return locked(until: until) { message in
                    var response = Self.unauthorized(message + "\n")
                    response.status = .tooManyRequests
                    return response
                }
            }
        } else if request.headers[.authorization] != nil {
            await auditLog.recordRefusedSignIn()
            return Self.unauthorized()
        } else if request.headers[.accept]?.contains("text/html") == true {
            // A browser: the sign-in page, then back here.
            let target = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
            let query = ReviewQuery.encode([("next", target)])
            return Response(status: .seeOther, headers: [.location: "\(basePath)/sign-in?\(query)", .cacheControl: "no-store"])
        } else {
            return Self.unauthorized()
        }
        let query = ReviewQuery(request.uri.query)
        let targetText = (try? target(query)) ?? "invalid query"
        do {
            _ = try await auditLog.record(reviewer: reviewer, action: action, target: targetText)
        } catch {
            logger.error("reviewer action not recorded; refusing it", metadata: ["error": "\(error)"])
            return errorPage(.serviceUnavailable, "The reviewer audit trail cannot be written, so nothing is shown. \(error)", reviewer: reviewer)
        }
        do {
            switch try await body(reviewer) {
            case .page(let template, let page, let title):
                return Self.html(.ok, layout.render(template: template, page: page, title: title, reviewer: reviewer))
            case .download(let text, let contentType, let filename):
                var headers = Self.securityHeaders
                headers[.contentType] = contentType
                headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        } catch let error as ReviewRequestError {
            return errorPage(error.status, error.description, reviewer: reviewer)
        } catch {
            logger.error("reviewer page failed", metadata: ["action": "\(action)", "error": "\(error)"])
            return errorPage(.internalServerError, "The transfer log could not be read: \(error)", reviewer: reviewer)
        }
    }

    private func errorPage(_ status: HTTPResponse.Status, _ message: String, reviewer: Reviewer) -> Response {
        let page = ReviewErrorPage(status: "\(status.code) \(status.reasonPhrase)", message: message, base: basePath)
        return Self.html(status, layout.render(template: "error", page: page, title: page.status, reviewer: reviewer))
    }

    static func html(_ status: HTTPResponse.Status, _ html: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func unauthorized(_ message: String = "Sign in with a reviewer account.\n") -> Response {
        var headers = securityHeaders
        headers[.wwwAuthenticate] = #"Basic realm="FederationBridge privacy review", charset="UTF-8""#
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message)))
    }

    /// Reviewer pages must not be cached, framed, sniffed or leak their URLs.
    /// (Framing is forbidden by the policy's `frame-ancestors 'none'`.)
    static let securityHeaders: HTTPFields = {
        var fields: HTTPFields = [
            .contentSecurityPolicy: ReviewLayout.contentSecurityPolicy,
            .cacheControl: "no-store",
            .xContentTypeOptions: "nosniff",
        ]
        if let referrerPolicy = HTTPField.Name("Referrer-Policy") { fields[referrerPolicy] = "no-referrer" }
        return fields
    }()

    static func sequence(_ text: String?) throws(ReviewRequestError) -> Int {
        guard let text, text.count <= 18, let sequence = Int(text), sequence >= 0 else {
            throw ReviewRequestError.invalidParameter("sequence", "expected a non-negative entry number")
        }
        return sequence
    }

    static func pageNumber(_ query: ReviewQuery) throws(ReviewRequestError) -> Int {
        guard let text = query["page"], !text.isEmpty else { return 1 }
        guard text.count <= 9, let page = Int(text), page >= 1 else {
            throw ReviewRequestError.invalidParameter("page", "expected a page number from 1")
        }
        return page
    }
}
