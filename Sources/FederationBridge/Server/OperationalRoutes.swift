import Foundation
import Hummingbird

/// `/healthz`, `/readyz` and `/metrics`: for the operator and the load balancer.
enum OperationalRoutes {
    static func install(on router: Router<BridgeRequestContext>, readiness: Readiness, metrics: BridgeMetrics) {
        router.get("/healthz") { _, _ in
            plain("ok\n")
        }
        router.get("/readyz") { _, _ in
            let report = await readiness.evaluate()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let body = (try? encoder.encode(report)) ?? Data("{\"ready\":false}".utf8)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "no-store"
            return Response(
                status: report.ready ? .ok : .serviceUnavailable, headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/metrics") { _, _ in
            await metrics.collect()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
    }

    static func plain(_ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
