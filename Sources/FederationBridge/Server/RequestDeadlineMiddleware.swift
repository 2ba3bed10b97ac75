import HTTPTypes
import Hummingbird

/// Gives every request a deadline. PostgreSQL's client waits for a
/// connection for as long as the server is away; without a deadline a
/// resident's step would hang, and finish (a transfer nobody receives) when
/// the database returns. Past the deadline the step is cancelled, its
/// statements roll back, and the browser gets 503 with `FB-Error: busy`.
struct RequestDeadlineMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await withoutActuallyEscaping(next) { next in
            // The handler runs in one child task while this task only waits for
            // it, so the non-Sendable closure is never used from two places.
            let handler = HandlerBox(run: next)
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await handler.run(request, context) }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                if let first = try await group.next(), let response = first { return response }
                context.logger.error("request passed its deadline; cancelled", metadata: ["limit": "\(limit)", "path": "\(request.uri.path)"])
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; charset=utf-8"
                headers[.retryAfter] = "30"
                if let code = HTTPField.Name(FlowError.header) { headers[code] = "busy" }
                return Response(
                    status: .serviceUnavailable, headers: headers,
                    body: .init(byteBuffer: ByteBuffer(string: "The service is busy or its database is unavailable; try again shortly.\n")))
            }
        }
    }
}

private struct HandlerBox<Context: RequestContext>: @unchecked Sendable {
    let run: (Request, Context) async throws -> Response
}
