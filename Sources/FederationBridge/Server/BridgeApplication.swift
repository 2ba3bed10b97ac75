import Foundation
import Hummingbird
import Logging
import SAMLMapper
import ServiceLifecycle

/// Composes the bridge service from its configuration.
///
/// Builds the shared parts (store, vault, sessions, pages, metrics,
/// readiness) and the operational routes, and exposes seams for the rest:
/// `residentRoutes` (a router group with language, session and error-page
/// handling) and `router` (for partner endpoints such as `/saml/sso`),
/// `services` for what the flow needs, and `readiness` to register probes.
/// Call `makeApplication()` once all routes are installed.
public struct BridgeApplication {
    public let services: BridgeServices
    public let router: Router<BridgeRequestContext>
    /// Routes the resident's browser visits; add flow pages here.
    public let residentRoutes: RouterGroup<BridgeRequestContext>
    private var lifecycleServices: [any Service]

    /// - Parameters:
    ///   - store: overrides the configured store (tests); its services are then the caller's concern.
    ///   - previewPages: adds `/preview/…` sample pages.
    public init(
        configuration: BridgeConfiguration,
        logger: Logger = Logger(label: "federation-bridge"),
        metrics: BridgeMetrics = BridgeMetrics(),
        store: (any StateStore)? = nil,
        previewPages: Bool = false
    ) throws {
        let opened: (store: any StateStore, services: [any Service])
        if let store {
            opened = (store, [])
        } else {
            opened = try StateStoreFactory.open(configuration.store, logger: logger)
        }
        let sessions = SessionManager(configuration: configuration)
        let renderer = try PageRenderer()
        let readiness = Readiness(Self.standardProbes(configuration: configuration, store: opened.store))
        let mapper = AttributeMapper(
            tables: MappingTables(
                pseudonymSecret: configuration.mapping.pseudonymSecret,
                pairwiseScope: configuration.mapping.pairwiseScope,
                realTypeCode: configuration.mapping.realTypeCode,
                creditableLevels: configuration.mapping.creditableLevels,
                idCardTypeCodes: configuration.mapping.idCardTypeCodes))
        let services = BridgeServices(
            configuration: configuration, store: opened.store,
            vault: StateVault(store: opened.store, key: configuration.flow.stateKey),
            sessions: sessions, renderer: renderer, metrics: metrics, readiness: readiness, mapper: mapper,
            logger: logger)

        let router = Router(context: BridgeRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: RequestDeadlineMiddleware(limit: configuration.listen.requestDeadline))
        OperationalRoutes.install(on: router, readiness: readiness, metrics: metrics)
        let residentRoutes = router.group().add(middleware: ResidentMiddleware(sessions: sessions, renderer: renderer, failures: services.failures))
        // Any other address: the resident's "page not found", in their language (more specific routes win).
        residentRoutes.get("**") { _, _ -> Response in throw ResidentError(.notFound, status: .notFound) }
        if previewPages {
            PreviewRoutes.install(on: residentRoutes, services: services)
        }
        self.services = services
        self.router = router
        self.residentRoutes = residentRoutes
        self.lifecycleServices =
            opened.services + [
                StateSweeper(store: opened.store, interval: .seconds(60), metrics: metrics, logger: logger)
            ]
    }

    /// Adds a service that runs with the application (e.g. a metadata refresher).
    public mutating func addService(_ service: any Service) {
        lifecycleServices.append(service)
    }

    /// The Hummingbird application: listens where the configuration says
    /// (port 0 picks a free port), prepares the store before serving.
    public func makeApplication(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let configuration = services.configuration
        var application = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [UnparsableRequestResponder()])),
            configuration: .init(
                address: .hostname(configuration.listen.host, port: configuration.listen.port),
                serverName: "FederationBridge"),
            services: lifecycleServices,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: services.logger)
        let store = services.store
        application.beforeServerStarts { try await store.prepare() }
        return application
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await makeApplication(onServerRunning: onServerRunning).runService()
    }

    static func standardProbes(configuration: BridgeConfiguration, store: any StateStore) -> [ReadinessProbe] {
        let keys = configuration.keys
        let metadataDirectory = configuration.metadata.directory
        return [
            ReadinessProbe(name: "store") {
                do {
                    try await store.ping()
                    return nil
                } catch let error as StateStoreError {
                    return error.description
                } catch {
                    return "state store unreachable (\(type(of: error)))"
                }
            },
            // Replaced by the token probe when keys live in a PKCS#11 token.
            ReadinessProbe(name: "keys") {
                let files =
                    [keys.signing.certificate, keys.encryption.certificate]
                    + [keys.signing.key, keys.encryption.key].compactMap { location -> BridgeConfiguration.PEMFile? in
                        if case .file(let file) = location { return file }
                        return nil
                    }
                return files.allSatisfy({ !$0.pem.isEmpty }) ? nil : "a key or certificate is empty"
            },
            // Replaced by the metadata loader's own probe (signature and
            // validUntil) once it is composed in; until then this only
            // confirms partner metadata files are present.
            ReadinessProbe(name: "metadata") {
                let files = (try? FileManager.default.contentsOfDirectory(atPath: metadataDirectory.path)) ?? []
                return files.contains(where: { $0.hasSuffix(".xml") }) ? nil : "no partner metadata (*.xml) in \(metadataDirectory.path)"
            },
        ]
    }
}
