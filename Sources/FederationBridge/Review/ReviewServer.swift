import Hummingbird
import Logging

/// The reviewer pages on a port of their own (`bridge review`), for operators
/// who keep them off the resident-facing listener.
public enum ReviewServer {
    /// An application serving only the reviewer routes. Port 0 picks a free
    /// port; `onServerRunning` receives the bound port.
    public static func application(
        routes: ReviewRoutes, host: String = "127.0.0.1", port: Int,
        logger: Logger = Logger(label: "FederationBridge.review.server"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        routes.register(on: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "FederationBridge-review"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
