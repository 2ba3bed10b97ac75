import ArgumentParser
import FederationBridge
import Logging
import NIOCore
import NIOPosix

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the bridge from one configuration file."
    )

    @Option(name: .long, help: "The YAML configuration file (see config/bridge.yaml).")
    var config: String

    @Flag(name: .long, help: "Also serve sample resident pages under /preview/ (for reviews and translation).")
    var previewPages = false

    @Flag(
        name: .long,
        help:
            "Stop gracefully when standard input closes: when the process that started this one ends, however it ends, if it holds the other end of a pipe."
    )
    var stopWhenInputCloses = false

    func run() async throws {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        if stopWhenInputCloses { InputCloseWatch.start() }
        let configuration = try ConfigurationLoader.commandLine(file: config)
        var logger = Logger(label: "federation-bridge")
        logger.logLevel = .info
        let metrics = BridgeMetrics()
        metrics.bootstrapGlobalSystem()
        var bridge = try BridgeApplication(
            configuration: configuration, logger: logger, metrics: metrics, previewPages: previewPages)
        let flow = try await bridge.installFlow()
        try bridge.installReview(flow: flow)
        let log = logger
        let store = configuration.store.description
        try await bridge.run { port in
            log.info(
                "serving",
                metadata: [
                    "entityID": "\(configuration.entityID)", "port": "\(port)", "store": "\(store)",
                ])
        }
    }
}
