import ArgumentParser
import Foundation
import IAMSmart
import Logging
import Sandbox

/// `bridge sandbox …`: local stand-ins for the bridge's protocol peers.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a sandbox protocol peer on loopback.",
        subcommands: [SandboxIAMSmartCommand.self, SandboxGuangdongCommand.self]
    )
}

/// `bridge sandbox iamsmart`: serves the sandbox iAM Smart until interrupted.
struct SandboxIAMSmartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iamsmart",
        abstract: "Serve a sandbox iAM Smart (signed JSON API plus pages that stand in for the phone app)."
    )

    @Option(help: "Port to listen on (0 picks a free one and prints it).")
    var port: Int

    @Option(help: "Interface to bind. Keep loopback unless you know why not.")
    var host: String = "127.0.0.1"

    @Option(name: .customLong("client-id"), help: "The online service's client ID.")
    var clientID: String

    @Option(name: .customLong("client-secret"), help: "The shared secret for request signatures.")
    var clientSecret: String

    @Option(name: .customLong("client-cert"), help: "PEM file with the service's certificate (or public key); content keys are encrypted to it.")
    var clientCert: String

    @Option(name: .customLong("redirect-uri"), parsing: .upToNextOption, help: "Registered callback URI(s); others get D20008.")
    var redirectURI: [String]

    @Option(name: .customLong("cek-padding"), help: "RSA padding for content keys: oaep-sha1 or pkcs1-v1_5.")
    var cekPadding: String = ContentKeyPadding.oaepSHA1.rawValue

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard !redirectURI.isEmpty else { throw ValidationError("give at least one --redirect-uri") }
        guard ContentKeyPadding(rawValue: cekPadding) != nil else {
            throw ValidationError("--cek-padding must be one of \(ContentKeyPadding.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let pem: String
        do {
            pem = try String(contentsOfFile: clientCert, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read --client-cert \(clientCert): \(error.localizedDescription)")
        }
        guard pem.contains("BEGIN CERTIFICATE") || pem.contains("BEGIN PUBLIC KEY") else {
            throw ValidationError("--client-cert must be a PEM certificate or public key")
        }
        let sandbox = IAMSmartSandbox(
            configuration: IAMSmartSandboxConfiguration(
                host: host, port: port, clientID: clientID, clientSecret: clientSecret,
                clientCertificatePEM: pem, redirectURIs: redirectURI,
                contentKeyPadding: ContentKeyPadding(rawValue: cekPadding) ?? .oaepSHA1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sandbox.run() }
            let url = try await sandbox.baseURL()
            // Written unbuffered so a script reading the port sees it at once.
            FileHandle.standardOutput.write(Data("iAM Smart sandbox listening on \(url.absoluteString) (app pages under /sandbox)\n".utf8))
            try await group.next()
        }
    }
}
