import Hummingbird

/// Counts requests and records latency per route pattern (not raw path, so
/// query strings and IDs cannot blow up label cardinality).
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = BridgeRequestContext
    let metrics: BridgeMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = request.method.rawValue
        do {
            let response = try await next(request, context)
            metrics.recordRequest(
                method: method, route: context.endpointPath ?? "unmatched", status: response.status.code,
                duration: ContinuousClock.now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.recordRequest(
                method: method, route: context.endpointPath ?? "unmatched", status: status,
                duration: ContinuousClock.now - start)
            throw error
        }
    }
}
