import Foundation
import Logging
import PIAChecks
import Sandbox
import ServiceLifecycle
import Testing

@testable import FederationBridge

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP re-reads the privacy policy with the partner metadata: the signal
/// itself, delivered to this process, reaches the refresher.
@Suite(.serialized) struct HangupReloadTests {
    @Test func sighupReloadsThePolicy() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fb-hup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let federation = try SandboxFederation(directory: folder)
        _ = try federation.writeBridgeConfiguration(bridgeBaseURL: "http://127.0.0.1:9", listenPort: 9, iamSmartBaseURL: "http://127.0.0.1:10")
        let policyFile = federation.url("policy.yaml")
        var quiet = Logger(label: "test.hup")
        quiet.logLevel = .critical
        let policies = try PolicyStore(file: policyFile, logger: quiet)
        let registry = try PartnerMetadataRegistry(directory: federation.url("metadata"), trustCertificatePEM: nil, logger: quiet)
        let good = try String(contentsOf: policyFile, encoding: .utf8)
        try good.replacingOccurrences(of: "maxTransfersPerHour: 5000", with: "maxTransfersPerHour: 7")
            .write(to: policyFile, atomically: true, encoding: .utf8)

        // A SIGHUP sent before the refresher listens must not end the test process.
        signal(SIGHUP, SIG_IGN)
        let refresher = MetadataRefresher(registry: registry, policies: policies, interval: .seconds(3600), logger: quiet)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await refresher.run() }
            // Until the refresher's signal source is installed a signal is ignored: send until one is heard.
            var attempts = 0
            while policies.current.recipients.first?.maxTransfersPerHour != 7, attempts < 200 {
                kill(getpid(), SIGHUP)
                try await Task.sleep(for: .milliseconds(50))
                attempts += 1
            }
            group.cancelAll()
        }
        #expect(policies.current.recipients.first?.maxTransfersPerHour == 7, "SIGHUP reloaded the policy")
    }
}
