import AsyncHTTPClient
import FederationBridge
import Foundation
import PIAChecks
import Sandbox
import Testing

/// What an operator meets at the command line: a version, configuration
/// errors without a usage text, a clean stop on SIGTERM, and the same CSV
/// from `bridge log export` as from the reviewer pages.
@Suite(.serialized) struct CommandLineBehaviourTests {
    static func bridge(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try ExternalToolTests.run(try MetadataExportTests.bridgeExecutable(), arguments)
    }

    @Test func versionIsPrinted() throws {
        let version = try Self.bridge(["--version"])
        #expect(version.status == 0)
        #expect(version.output.hasPrefix("bridge "), "\(version.output)")
        #expect(!version.output.contains("USAGE"))
    }

    @Test func configurationErrorsComeWithoutUsage() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fb-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bridge.yaml")
        try Data("entityID: https://bridge.example\nlisten:\n  port: 99999\n".utf8).write(to: file)
        for command in [["serve"], ["metadata", "export"]] {
            let result = try Self.bridge(command + ["--config", file.path])
            #expect(result.status != 0)
            #expect(result.output.contains("invalid configuration \(file.path)"), "\(result.output)")
            #expect(result.output.contains("baseURL"), "every issue is named: \(result.output)")
            #expect(!result.output.contains("USAGE") && !result.output.contains("--help"), "\(command): \(result.output)")
        }
        // A mistake on the command line itself still shows how to call it.
        let usage = try Self.bridge(["serve"])
        #expect(usage.status != 0 && usage.output.contains("--config"))
    }

    /// SIGTERM is the normal way a service manager stops the bridge: a
    /// graceful shutdown that exits 0 and prints no error.
    @Test func sigtermStopsCleanly() async throws {
        try await Self.serveAndStop(arguments: []) { process, _ in kill(process.processIdentifier, SIGTERM) }
    }

    /// With `--stop-when-input-closes` the bridge stops as cleanly when its
    /// input pipe closes, which is what happens to a child when the process
    /// that started it ends, even by SIGKILL: benchmarks and tests leave no
    /// bridge behind.
    @Test func closedInputStopsCleanly() async throws {
        let lifeline = Pipe()
        try await Self.serveAndStop(arguments: ["--stop-when-input-closes"], input: lifeline) { process, _ in
            // Input that is not an end changes nothing.
            lifeline.fileHandleForWriting.write(Data("still here\n".utf8))
            try await Task.sleep(for: .milliseconds(300))
            #expect(process.isRunning)
            try lifeline.fileHandleForWriting.close()
        }
    }

    /// Starts `bridge serve` with `arguments`, waits until it answers, lets
    /// `stop` end it, and expects a clean exit 0 with no error printed.
    static func serveAndStop(
        arguments: [String], input: Pipe? = nil, stop: (Process, Int) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fb-stop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let federation = try SandboxFederation(directory: folder)
        let port = try await FederationHarness.reservePort()
        let config = try federation.writeBridgeConfiguration(
            bridgeBaseURL: "http://127.0.0.1:\(port)", listenPort: port, iamSmartBaseURL: "http://127.0.0.1:9")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try MetadataExportTests.bridgeExecutable())
        process.arguments = ["serve", "--config", config.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        if let input { process.standardInput = input }
        try process.run()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var healthy = false
        for _ in 0..<600 where process.isRunning {
            if let response = try? await client.get(url: "http://127.0.0.1:\(port)/healthz").get(), response.status == .ok {
                healthy = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await client.shutdown()
        #expect(healthy, "bridge serve did not come up")
        try await stop(process, port)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0, "\(text.suffix(800))")
        #expect(!text.contains("Error:"), "\(text.suffix(800))")
    }

    /// One column list for both exports, and a formula chosen by a relying
    /// party is defused in both.
    @Test func logExportCSVMatchesTheReviewerExport() async throws {
        let evil = #"=HYPERLINK("http://x")"#
        let fixture = try await ReviewFixture.make(entries: [
            ReviewFixture.entry(index: 0, recipient: evil, purpose: "+cmd|' /C calc'!A0", failed: ["volume": "@SUM(1)"]),
            ReviewFixture.entry(index: 1, recipient: ReviewFixture.guangzhou, purpose: ReviewFixture.account, failed: [:]),
        ])
        defer { fixture.remove() }
        let web = try await fixture.withServer { client in try await client.get("/review/export.csv").text }
        let cli = try Self.bridge([
            "log", "export", "--format", "csv", "--store", "sqlite:\(fixture.storePath)", "--public-key", fixture.signer.verifier.verifierKey,
        ])
        #expect(cli.status == 0, "\(cli.output)")
        #expect(cli.output == web)
        #expect(cli.output.hasPrefix(TransferLogCSV.header.joined(separator: ",") + "\r\n"))
        #expect(cli.output.contains(#""'=HYPERLINK(""http://x"")""#))
        #expect(cli.output.contains("'+cmd|' /C calc'!A0"))
        #expect(!cli.output.contains(",=") && !cli.output.contains(",+") && !cli.output.contains(",@"))
    }
}
