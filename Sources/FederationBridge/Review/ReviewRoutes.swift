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
/// Every request is authenticated (HTTP Basic against bcrypt hashes) and
/// recorded in the reviewer audit trail before anything is read; a request
/// whose audit record cannot be written is refused. Only GET is routed.
public struct ReviewRoutes: Sendable {
    let reader: ReviewLogReader
    let context: ReviewPolicyContext
    let accounts: ReviewAccounts
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
        log: TransferLog, policy: Policy, accounts: ReviewAccounts, auditLog: ReviewAuditLog,
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
        self.accounts = accounts
        self.auditLog = auditLog
        self.basePath = basePath
        self.logger = logger
    }

    /// Adds the reviewer routes under `basePath`.
    public func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        let group = router.group(RouterPath(basePath))
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
        guard let reviewer = await accounts.authenticate(request.headers.basic) else {
            if request.headers[.authorization] != nil { await auditLog.recordRefusedSignIn() }
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

    static func unauthorized() -> Response {
        var headers = securityHeaders
        headers[.wwwAuthenticate] = #"Basic realm="FederationBridge privacy review", charset="UTF-8""#
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(
            status: .unauthorized, headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: "Sign in with a reviewer account.\n")))
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
