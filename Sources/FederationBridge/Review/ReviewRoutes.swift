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
    /// The policy as it is now: the bridge reloads it on SIGHUP.
    let currentPolicy: @Sendable () -> Policy
    /// Flattened once per use, so the pages follow a reloaded policy.
    var context: ReviewPolicyContext { ReviewPolicyContext(currentPolicy()) }
    let signIn: ReviewSignIn
    let auditLog: ReviewAuditLog
    let layout: ReviewLayout
    let basePath: String
    let logger: Logger
    /// Where failures that never reached the log are kept; `nil`: not searched.
    let failures: (any StateStore)?
    let failureRetention: Duration

    /// - Parameters:
    ///   - log: the transfer log to show; open it with the verifier key only
    ///     (`TransferLog(store:verifier:)`): the pages never write.
    ///   - policy: the current policy, for recipient contracts, purpose texts
    ///     and necessities; read again for every page, so a reload shows.
    ///   - basePath: where the pages are mounted; links are built from it.
    ///   - failures: the state store, where failures that never reached the
    ///     log are kept (`flow.failureRetention`); the search finds them by reference.
    public init(
        log: TransferLog, policy: @autoclosure @escaping @Sendable () -> Policy, signIn: ReviewSignIn, auditLog: ReviewAuditLog,
        basePath: String = "/review", logger: Logger = Logger(label: "FederationBridge.review"),
        failures: (any StateStore)? = nil, failureRetention: Duration = .seconds(90 * 86_400)
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
        self.currentPolicy = policy
        self.signIn = signIn
        self.auditLog = auditLog
        self.basePath = basePath
        self.logger = logger
        self.failures = failures
        self.failureRetention = failureRetention
    }

    /// Adds the reviewer routes under `basePath`.
    public func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        let group = router.group(RouterPath(basePath))
        group.get("sign-in") { request, _ in signInPage(request, message: nil, status: .ok) }
        group.post("sign-in") { request, _ in await signInAnswer(request) }
        group.post("sign-out") { request, _ in await signOut(request) }
        group.get { request, _ in
            await respond(to: request, action: "view-overview", target: { _ in "overview" }) { _, language in
                try await overview(request, language: language)
            }
        }
        group.get("entries") { request, _ in
            await respond(to: request, action: "search", target: { try ReviewFilter(query: $0).auditDescription }) { _, language in
                try await search(request, language: language)
            }
        }
        group.get("entries/{sequence}") { request, requestContext in
            let sequence = requestContext.parameters.get("sequence")
            return await respond(to: request, action: "view-entry", target: { _ in "entry \(sequence?.prefix(24) ?? "?")" }) { _, language in
                try await entry(sequence, language: language)
            }
        }
        group.get("entries/{sequence}/proof") { request, requestContext in
            let sequence = requestContext.parameters.get("sequence")
            return await respond(to: request, action: "download-proof", target: { _ in "entry \(sequence?.prefix(24) ?? "?")" }) { _, _ in
                try await proof(sequence)
            }
        }
        group.get("export.csv") { request, _ in
            await respond(to: request, action: "export-csv", target: { try ReviewFilter(query: $0).auditDescription }) { _, _ in
                let records = try await filtered(request)
                return .download(ReviewExport.csv(records), contentType: "text/csv; charset=utf-8", filename: "transfer-log.csv")
            }
        }
        group.get("export.jsonl") { request, _ in
            await respond(to: request, action: "export-jsonl", target: { try ReviewFilter(query: $0).auditDescription }) { _, _ in
                // The hashed bytes, as `bridge log export` gives them.
                let filter = try ReviewFilter(query: ReviewQuery(request.uri.query))
                let entries = try await reader.log.entries(filter: filter.logFilter, page: .all)
                return .download(
                    ReviewExport.jsonLines(entries), contentType: "application/jsonl; charset=utf-8", filename: "transfer-log.jsonl")
            }
        }
        group.get("notifications.csv") { request, _ in
            await respond(to: request, action: "export-notifications", target: { "recipient=\($0["recipient"] ?? "all")" }) { _, _ in
                .download(
                    try await notifications(ReviewQuery(request.uri.query)["recipient"]), contentType: "text/csv; charset=utf-8",
                    filename: "consent-withdrawals.csv")
            }
        }
        group.get("summary") { request, _ in
            await respond(to: request, action: "view-pia-summary", target: { try ReviewFilter(query: $0).auditDescription }) {
                reviewer, language in
                try await summary(request, reviewer: reviewer, language: language)
            }
        }
    }

    // MARK: Pages

    private func overview(_ request: Request, language: Language) async throws -> Rendered {
        let statistics = try await reader.statistics(ReviewFilter())
        let latest = try await reader.page(ReviewFilter(), number: 1, size: ReviewOverviewPage.latestCount).records
        let integrity = await reader.integrity()
        let page = ReviewOverviewPage(base: basePath, statistics: statistics, latest: latest, integrity: integrity, language: language)
        return .page(template: "overview", page: page, title: ReviewStrings.format("nav.overview", in: language))
    }

    /// One read of the log: the drop-downs offer what the current policy and
    /// the standard checks name (a value chosen by hand is kept on screen).
    private func search(_ request: Request, language: Language) async throws -> Rendered {
        let query = ReviewQuery(request.uri.query)
        let filter = try ReviewFilter(query: query)
        let found = try await reader.page(filter, number: try Self.pageNumber(query), size: ReviewSearchPage.pageSize)
        let searchPage = ReviewSearchPage(
            base: basePath, filter: filter, query: query, page: found.page, matched: found.matched, rows: found.records,
            choices: (recipients: context.recipientIDs, purposes: context.purposeIDs, checks: Self.checkIDs),
            failureSearch: await failureSearch(filter, language: language), language: language)
        return .page(template: "search", page: searchPage, title: ReviewStrings.format("nav.search", in: language))
    }

    /// Failures kept outside the log under the searched references, newest
    /// first; `nil` when no reference was searched or no store is attached.
    private func failureSearch(_ filter: ReviewFilter, language: Language) async -> ReviewSearchPage.FailureSearch? {
        guard let failures, !filter.failureReferences.isEmpty else { return nil }
        let days = Int((failureRetention.components.seconds + 86_399) / 86_400)
        var records: [FailureRecord] = []
        do {
            for reference in filter.failureReferences {
                for record in try await failures.failures(reference: reference, now: Date(), limit: Self.failureLimit)
                where !records.contains(record) {
                    records.append(record)
                }
            }
        } catch {
            logger.error("kept failures could not be read", metadata: ["error.type": "\(type(of: error))"])
            return ReviewSearchPage.FailureSearch([], retentionDays: days, language: language, unreadable: true)
        }
        records.sort { $0.time > $1.time }
        return ReviewSearchPage.FailureSearch(records, retentionDays: days, language: language)
    }

    /// Most failures shown for one reference (a flow has a handful at most).
    static let failureLimit = 50

    /// The checks the bridge runs, in verdict order, for the search form.
    static let checkIDs = PIAEvaluator.standardChecks.map(\.id)

    private func entry(_ sequenceText: String?, language: Language) async throws -> Rendered {
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
        let page = ReviewEntryPage(
            base: basePath, record: record, context: context, proof: proof, proofError: proofError, language: language)
        return .page(template: "entry", page: page, title: ReviewStrings.format("entry.title", in: language, ["sequence": String(sequence)]))
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

    private func summary(_ request: Request, reviewer: Reviewer, language: Language) async throws -> Rendered {
        let query = ReviewQuery(request.uri.query)
        let filter = try ReviewFilter(query: query)
        let context = self.context
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
            integrity: await reader.integrity(), reviewer: reviewer, now: Date(), language: language)
        let title = ReviewStrings.format("nav.summary", in: language) + (filter.purpose.map { ": \($0)" } ?? "")
        return .page(template: "summary", page: page, title: title)
    }

    // MARK: Signing in and out

    private func signInPage(_ request: Request, message: String?, status: HTTPResponse.Status) -> Response {
        let language = Self.language(of: request)
        let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init), base: basePath)
        let page = ReviewSignInPage(base: basePath, next: next, message: message)
        let html = layout.render(
            template: "signin", page: page, title: ReviewStrings.format("signin.title", in: language.current), reviewer: nil,
            language: language.current, switchTarget: basePath + "/sign-in?" + ReviewQuery.encode([("next", next)]))
        return remembering(language, Self.html(status, html))
    }

    private func signInAnswer(_ request: Request) async -> Response {
        let language = Self.language(of: request).current
        func text(_ key: String, _ values: [String: String] = [:]) -> String { ReviewStrings.format(key, in: language, values) }
        guard let form = try? await FormFields.from(request, limit: 4096),
            let username = form["username"], let password = form["password"], !username.isEmpty
        else {
            return signInPage(request, message: text("signin.missing"), status: .badRequest)
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
                return signInPage(request, message: text("signin.wrong"), status: .unauthorized)
            case .locked(let until):
                await auditLog.recordRefusedSignIn()
                return locked(until: until, language: language) { message in signInPage(request, message: message, status: .tooManyRequests) }
            }
        } catch {
            logger.error("reviewer sign-in failed", metadata: ["error": "\(error)"])
            return signInPage(request, message: text("signin.unavailable"), status: .serviceUnavailable)
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
    private func locked(until: Date, language: Language, _ page: (String) -> Response) -> Response {
        var response = page(ReviewStrings.format("signin.locked", in: language, ["time": ReviewFormat.readable(until)]))
        response.headers[.retryAfter] = String(max(1, Int(until.timeIntervalSinceNow.rounded(.up))))
        return response
    }

    // MARK: Language

    /// Remembers an explicit choice for the reviewer pages.
    static let languageCookie = "fb_review_lang"

    /// The page language: the `lang` switch (our codes or BCP 47 tags such as
    /// `zh-HK`), else the remembered choice, else `Accept-Language`; English
    /// when the browser states no preference (scripts, curl).
    static func language(of request: Request) -> (current: Language, chosen: Language?) {
        if let requested = request.uri.queryParameters["lang"].map(String.init),
            let chosen = Language(rawValue: requested) ?? Language(tag: requested)
        {
            return (chosen, chosen)
        }
        if let remembered = request.cookies[languageCookie].flatMap({ Language(rawValue: $0.value) }) { return (remembered, nil) }
        guard let header = request.headers[.acceptLanguage] else { return (.english, nil) }
        return (Language.negotiate(acceptLanguage: header), nil)
    }

    /// Sets the language cookie when the request chose one.
    func remembering(_ language: (current: Language, chosen: Language?), _ response: Response) -> Response {
        guard let chosen = language.chosen else { return response }
        var response = response
        response.setCookie(
            Cookie(
                name: Self.languageCookie, value: chosen.rawValue, maxAge: 365 * 86_400, path: basePath, secure: signIn.secureCookie,
                httpOnly: true, sameSite: .lax))
        return response
    }

    /// The current address without `lang`, for the language switch.
    static func switchTarget(_ request: Request) -> String {
        let kept = (request.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("lang=") && $0 != "lang" }
        return request.uri.path + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
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
        _ body: (Reviewer, Language) async throws -> Rendered
    ) async -> Response {
        let language = Self.language(of: request)
        let response = await authenticatedResponse(to: request, action: action, target: target, language: language, body)
        return remembering(language, response)
    }

    private func authenticatedResponse(
        to request: Request, action: String, target: (ReviewQuery) throws -> String, language: (current: Language, chosen: Language?),
        _ body: (Reviewer, Language) async throws -> Rendered
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
                return locked(until: until, language: language.current) { message in
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
            let message = ReviewStrings.format("error.audit", in: language.current) + " \(error)"
            return errorPage(.serviceUnavailable, message, reviewer: reviewer, request: request, language: language.current)
        }
        do {
            switch try await body(reviewer, language.current) {
            case .page(let template, let page, let title):
                let html = layout.render(
                    template: template, page: page, title: title, reviewer: reviewer, language: language.current,
                    switchTarget: Self.switchTarget(request))
                return Self.html(.ok, html)
            case .download(let text, let contentType, let filename):
                var headers = Self.securityHeaders
                headers[.contentType] = contentType
                headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        } catch let error as ReviewRequestError {
            return errorPage(error.status, error.message(in: language.current), reviewer: reviewer, request: request, language: language.current)
        } catch {
            logger.error("reviewer page failed", metadata: ["action": "\(action)", "error": "\(error)"])
            let message = ReviewStrings.format("error.read", in: language.current) + " \(error)"
            return errorPage(.internalServerError, message, reviewer: reviewer, request: request, language: language.current)
        }
    }

    private func errorPage(
        _ status: HTTPResponse.Status, _ message: String, reviewer: Reviewer, request: Request, language: Language
    ) -> Response {
        let page = ReviewErrorPage(status: status, message: message, base: basePath, language: language)
        let html = layout.render(
            template: "error", page: page, title: page.status, reviewer: reviewer, language: language, switchTarget: Self.switchTarget(request))
        return Self.html(status, html)
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
            throw ReviewRequestError.invalidParameter("sequence", ReviewRequestError.Problem.sequence)
        }
        return sequence
    }

    static func pageNumber(_ query: ReviewQuery) throws(ReviewRequestError) -> Int {
        guard let text = query["page"], !text.isEmpty else { return 1 }
        guard text.count <= 9, let page = Int(text), page >= 1 else {
            throw ReviewRequestError.invalidParameter("page", ReviewRequestError.Problem.page)
        }
        return page
    }
}
