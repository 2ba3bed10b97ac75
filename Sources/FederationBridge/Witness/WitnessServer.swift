import Foundation
import Hummingbird
import Logging
import PIAChecks

/// `bridge witness serve`: the C2SP tlog-witness HTTP interface in front of
/// a `Witness`, on a listener of its own. Run by a party other than the
/// bridge operator, with its own key and store.
public enum WitnessServer {
    /// Largest request body: 63 proof lines and a checkpoint with up to 100
    /// signature lines fit well within it.
    static let maximumBody = 64 * 1024

    public static func application(
        witness: Witness, host: String = "127.0.0.1", port: Int,
        logger: Logger = Logger(label: "FederationBridge.witness"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.post("/add-checkpoint") { request, _ -> Response in
            let body: String
            do {
                body = String(decoding: Data((try await request.body.collect(upTo: maximumBody)).readableBytesView), as: UTF8.self)
            } catch {
                return text(.contentTooLarge, "request body over \(maximumBody) bytes\n")
            }
            do {
                let cosignature = try await witness.addCheckpoint(body)
                logger.info("cosigned a checkpoint")
                return text(.ok, cosignature)
            } catch let refusal as WitnessRefusal {
                logger.warning("refused a checkpoint", metadata: ["status": "\(refusal.status)", "reason": "\(refusal)"])
                if case .conflict(let size, _) = refusal {
                    return text(.conflict, "\(size)\n", contentType: "text/x.tlog.size")
                }
                return text(HTTPResponse.Status(code: refusal.status), "\(refusal)\n")
            } catch {
                logger.error("witness store failed", metadata: ["error": "\(error)"])
                return text(.internalServerError, "the witness could not record the checkpoint\n")
            }
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "FederationBridge-witness"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Serves until SIGTERM or SIGINT.
    public static func run(
        witness: Witness, host: String, port: Int, onServerRunning: @escaping @Sendable (Int) async -> Void
    ) async throws {
        try await application(witness: witness, host: host, port: port, onServerRunning: onServerRunning).runService()
    }

    static func text(_ status: HTTPResponse.Status, _ body: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
