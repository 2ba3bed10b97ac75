import ArgumentParser
import FederationBridge
import Foundation
import Logging
import PKCS11Token
import Sandbox

/// `bridge demo`: the bridge, a sandbox iAM Smart and a sandbox Guangdong
/// relying party on loopback, ready for a browser.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the bridge with a sandbox iAM Smart and a sandbox Guangdong relying party on loopback."
    )

    @Option(name: .customLong("port-base"), help: "Bridge on this port, sandbox iAM Smart on +1, sandbox Guangdong relying party on +2.")
    var portBase: Int = 8440

    @Option(help: "Folder for the demo's keys, configuration, metadata and SQLite store (made on first run).")
    var directory: String = "var/demo"

    @Flag(help: "Keep the bridge's private keys in the PKCS#11 token named by FB_PKCS11_MODULE, FB_PKCS11_TOKEN and FB_PKCS11_PIN.")
    var pkcs11 = false

    func validate() throws {
        guard (1...65533).contains(portBase) else { throw ValidationError("--port-base must be 1…65533") }
    }

    func run() async throws {
        var token: SandboxFederation.SandboxToken?
        if pkcs11 {
            guard let configuration = TokenConfiguration(environment: ProcessInfo.processInfo.environment, prefix: "FB_PKCS11_") else {
                throw ValidationError(
                    "--pkcs11 needs FB_PKCS11_MODULE, FB_PKCS11_TOKEN and FB_PKCS11_PIN (FB_DEMO_PKCS11=1 scripts/demo.sh sets them)")
            }
            token = .init(configuration: configuration, pinSetting: "env:FB_PKCS11_PIN", labelPrefix: "demo-")
        }
        let federation = try SandboxFederation(directory: URL(fileURLWithPath: directory).standardizedFileURL, token: token)
        let bridgeURL = "http://127.0.0.1:\(portBase)"
        let iamSmartURL = "http://127.0.0.1:\(portBase + 1)"
        let relyingPartyURL = "http://127.0.0.1:\(portBase + 2)"
        let iamSmart = IAMSmartSandbox(configuration: try federation.iamSmartSandboxConfiguration(bridgeBaseURL: bridgeURL, port: portBase + 1))
        let relyingParty = try GuangdongRelyingParty(
            configuration: try federation.relyingPartyConfiguration(bridgeBaseURL: bridgeURL, port: portBase + 2))
        let file = try federation.writeBridgeConfiguration(bridgeBaseURL: bridgeURL, listenPort: portBase, iamSmartBaseURL: iamSmartURL)
        try federation.writeRelyingPartyMetadata(relyingParty, baseURL: relyingPartyURL)

        let configuration = try ConfigurationLoader.commandLine(file: file.path)
        var logger = Logger(label: "federation-bridge")
        logger.logLevel = .info
        var bridge = try BridgeApplication(configuration: configuration, logger: logger)
        let flow = try await bridge.installFlow()
        try bridge.installReview(flow: flow)
        let verifierKey = flow.transferLog.verifier.verifierKey
        try Data((verifierKey + "\n").utf8).write(to: federation.url("keys/transfer-log.pub"))
        let service = bridge
        let logURL = "sqlite:" + federation.url("var/transfer-log.sqlite").path

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await iamSmart.run() }
            group.addTask { try await relyingParty.run() }
            group.addTask {
                try await service.run { _ in
                    print(
                        """
                        FederationBridge demo is running (Ctrl-C stops it).
                          Open in a browser:   \(relyingPartyURL)/
                          bridge:              \(bridgeURL)  (metadata: \(bridgeURL)/saml/metadata, readiness: \(bridgeURL)/readyz)
                          sandbox iAM Smart:   \(iamSmartURL)/sandbox
                          what have I shared:  \(bridgeURL)/my
                          reviewer pages:      \(bridgeURL)/review  (user reviewer, password reviewer-demo)
                          transfer log:        bridge log verify --store \(logURL) --public-key \(federation.url("keys/transfer-log.pub").path)
                        """)
                    fflush(nil)
                }
            }
            // The bridge ends on SIGINT/SIGTERM; the sandboxes end with it.
            try await group.next()
            group.cancelAll()
        }
    }
}
