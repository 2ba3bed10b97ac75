import Foundation
import Hummingbird
import Logging

/// Everything resident pages share: the language (switch, cookie or
/// `Accept-Language`), the session cookie, and turning errors into the
/// localized error page, each kept for reviewers under the page's reference
/// (a missing page is not: scanners would fill the store).
struct ResidentMiddleware: RouterMiddleware {
    typealias Context = BridgeRequestContext
    static let languageCookie = "fb_lang"

    let sessions: SessionManager
    let renderer: PageRenderer
    let failures: FailureRecorder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var cookies: [Cookie] = []

        // Language: explicit switch first, then the remembered choice, then the browser's preference.
        if let requested = request.uri.queryParameters.get("lang").flatMap(Language.init(rawValue:)) {
            context.language = requested
            cookies.append(
                Cookie(
                    name: Self.languageCookie, value: requested.rawValue, maxAge: 365 * 86_400, path: "/",
                    secure: sessions.secure, httpOnly: true, sameSite: .lax))
        } else if let remembered = request.cookies[Self.languageCookie].flatMap({ Language(rawValue: $0.value) }) {
            context.language = remembered
        } else {
            context.language = Language.negotiate(acceptLanguage: request.headers[.acceptLanguage])
        }

        if let existing = sessions.sessionID(in: request) {
            context.sessionID = existing
        } else {
            let fresh = sessions.newSessionID()
            context.sessionID = fresh
            cookies.append(sessions.cookie(for: fresh))
        }

        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as ResidentError {
            context.logger.notice(
                "resident page refused",
                metadata: [
                    "reference": "\(error.reference ?? context.id)", "kind": "\(error.kind.rawValue)", "status": "\(error.status.code)",
                ])
            if error.kind != .notFound {
                await failures.record(
                    FailureRecord(reference: error.reference ?? context.id, time: Date(), code: error.kind.rawValue, kind: error.kind),
                    logger: context.logger)
            }
            response = renderer.response(
                .error(ErrorPage(kind: error.kind, reference: error.reference ?? context.id)),
                language: context.language, path: request.uri.path, status: error.status)
        } catch let error as any HTTPResponseError where error.status == .notFound {
            response = renderer.response(
                .error(ErrorPage(kind: .notFound, reference: context.id)),
                language: context.language, path: request.uri.path, status: .notFound)
        } catch {
            // The type name only: error texts may quote input.
            context.logger.error("resident route failed", metadata: ["reference": "\(context.id)", "error.type": "\(type(of: error))"])
            await failures.record(
                FailureRecord(reference: context.id, time: Date(), code: FlowError.Code.internalFailure.rawValue, kind: .internal),
                logger: context.logger)
            response = renderer.response(
                .error(ErrorPage(kind: .internal, reference: context.id)),
                language: context.language, path: request.uri.path, status: .internalServerError)
        }
        // A step that rotated the session has set its own session cookie: that one wins.
        let rotated = response.headers[values: .setCookie].contains { $0.hasPrefix(sessions.cookieName + "=") }
        for cookie in cookies where !(rotated && cookie.name == sessions.cookieName) { response.setCookie(cookie) }
        return response
    }
}
