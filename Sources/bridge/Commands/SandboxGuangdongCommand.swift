import ArgumentParser
import Foundation
import Sandbox

/// `bridge sandbox guangdong`: serves the sandbox Guangdong relying party.
struct SandboxGuangdongCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guangdong",
        abstract: "Serve a sandbox Guangdong relying party (a SAML SP with its own keys) against a bridge."
    )

    @Option(help: "Port to listen on.")
    var port: Int = 8442

    @Option(help: "Sandbox federation folder holding the keys (made on first use; `bridge demo` uses var/demo).")
    var directory: String = "var/demo"

    @Option(name: .customLong("bridge-url"), help: "Base URL of the bridge (its /saml/sso and /saml/artifact).")
    var bridgeURL: String = "http://127.0.0.1:8440"

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
    }

    func run() async throws {
        let federation = try SandboxFederation(directory: URL(fileURLWithPath: directory).standardizedFileURL)
        let party = try GuangdongRelyingParty(configuration: try federation.relyingPartyConfiguration(bridgeBaseURL: bridgeURL, port: port))
        let ownURL = "http://127.0.0.1:\(port)"
        let metadata = try federation.writeRelyingPartyMetadata(party, baseURL: ownURL)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await party.run() }
            _ = try await party.baseURL()
            print("Guangdong sandbox relying party on \(ownURL)/ (signed metadata written to \(metadata.path); send the bridge SIGHUP to re-read it)")
            fflush(nil)
            try await group.next()
        }
    }
}
