import Foundation
import Hummingbird
import IAMSmart
import Logging
import Synchronization

/// A local stand-in for iAM Smart that speaks the same protocol: signed JSON
/// API with encrypted content, plus browser pages that play the phone app.
///
/// ```swift
/// let sandbox = IAMSmartSandbox(configuration: config)
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await sandbox.run() }
///     let port = try await sandbox.port()
///     …
///     group.cancelAll()
/// }
/// ```
public final class IAMSmartSandbox: Sendable {
    public let configuration: IAMSmartSandboxConfiguration
    let ledger = SandboxLedger()
    private let binding = PortBinding()
    private let logger: Logger
    private let apiRequestCount = RequestTally()

    public init(configuration: IAMSmartSandboxConfiguration, logger: Logger = Logger(label: "sandbox.iamsmart")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until the surrounding task is cancelled.
    public func run() async throws {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: APIRequestCounter(count: apiRequestCount))
        SandboxAPI(sandbox: self).register(on: router)
        SandboxAppPages(sandbox: self).register(on: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "iamsmart-sandbox"),
            onServerRunning: { [binding] channel in
                await binding.resolve(channel.localAddress?.port)
            },
            logger: logger
        )
        do {
            try await app.run()
        } catch {
            await binding.resolve(nil)
            throw error
        }
        await binding.resolve(nil)
    }

    /// The bound port, once the server is listening.
    public func port() async throws -> Int {
        guard let port = await binding.wait() else { throw SandboxError.notRunning }
        return port
    }

    /// `http://HOST:PORT`, once the server is listening.
    public func baseURL() async throws -> URL {
        let port = try await port()
        guard let url = URL(string: "http://\(configuration.host):\(port)") else { throw SandboxError.notRunning }
        return url
    }

    /// Calls made to the API (`/api/…`) so far, by every client.
    public var apiRequests: Int { apiRequestCount.value.load(ordering: .relaxed) }

    // MARK: Test controls

    /// Switches faults on or off for this instance.
    public func setFaults(_ faults: SandboxFaults) async {
        await ledger.setFaults(faults)
    }

    public func faults() async -> SandboxFaults {
        await ledger.faults
    }

    /// Marks the issued CEK expired: the next encrypted call gets `D30002`,
    /// after which a fresh `getKey` works again.
    public func expireContentKeys() async {
        await ledger.expireKey()
    }

    /// Number of CEKs issued and revoked so far.
    public func contentKeyCounts() async -> (issued: Int, revoked: Int) {
        (await ledger.keysIssued, await ledger.keysRevoked)
    }

    /// The openID this sandbox gives a resident for the configured client.
    public func openID(forResident id: String) -> String {
        SandboxAPI.openID(clientID: configuration.clientID, residentID: id)
    }
}

public enum SandboxError: Error, CustomStringConvertible {
    case notRunning
    public var description: String {
        "The iAM Smart sandbox is not listening (it failed to bind or has stopped); check that the host and port are free."
    }
}

/// Hands the bound port from `onServerRunning` to any number of waiters.
actor PortBinding {
    private var port: Int??
    private var waiters: [CheckedContinuation<Int?, Never>] = []

    func resolve(_ port: Int?) {
        guard self.port == nil else { return }
        self.port = .some(port)
        for waiter in waiters { waiter.resume(returning: port) }
        waiters = []
    }

    func wait() async -> Int? {
        if let port { return port }
        return await withCheckedContinuation { waiters.append($0) }
    }
}

/// Counts API calls, so a benchmark can say how many a sign-in costs.
private struct APIRequestCounter: RouterMiddleware {
    let count: RequestTally

    func handle(_ request: Request, context: BasicRequestContext, next: (Request, BasicRequestContext) async throws -> Response) async throws
        -> Response
    {
        if request.uri.path.hasPrefix("/api/") { count.value.add(1, ordering: .relaxed) }
        return try await next(request, context)
    }
}

private final class RequestTally: Sendable {
    let value = Atomic<Int>(0)
}
