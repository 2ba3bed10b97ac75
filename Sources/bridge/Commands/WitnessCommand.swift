import ArgumentParser
import FederationBridge
import Foundation
import Logging
import PIAChecks

/// `bridge witness`: a C2SP tlog-witness for the transfer log, run by a
/// party other than the bridge operator, with its own key and store.
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Run a transfer-log witness (C2SP tlog-witness) or create its key.",
        subcommands: [WitnessServeCommand.self, WitnessKeygenCommand.self]
    )
}

struct WitnessServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve POST /add-checkpoint: cosign checkpoints that extend the last one cosigned, refuse the rest.")

    @Option(help: "File holding the witness key (PRIVATE+KEY+…, from 'bridge witness keygen').")
    var key: String
    @Option(help: "The witness's own SQLite file (made on first use).")
    var store: String = "var/witness.sqlite"
    @Option(name: .customLong("log-key"), help: "Verifier key of a log to witness (name+keyid+base64) or a file holding it; repeat for several logs.")
    var logKeys: [String]
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8460

    func validate() throws {
        guard !logKeys.isEmpty else { throw ValidationError("give at least one --log-key") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
    }

    func run() async throws {
        let cosigner = try Cosigner(signerKey: try String(contentsOfFile: key, encoding: .utf8))
        let logs = try logKeys.map { text in
            try TreeHeadVerifier(verifierKey: FileManager.default.fileExists(atPath: text) ? try String(contentsOfFile: text, encoding: .utf8) : text)
        }
        let witness = Witness(cosigner: cosigner, logs: logs, store: try WitnessStore(path: store))
        let host = self.host
        let names = logs.map(\.name).joined(separator: ", ")
        try await WitnessServer.run(witness: witness, host: host, port: port) { port in
            print("witness \(cosigner.verifier.verifierKey) on http://\(host):\(port)/add-checkpoint for \(names)")
            fflush(nil)
        }
    }
}

struct WitnessKeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Create an Ed25519 witness key (PREFIX.key secret, PREFIX.pub for the bridge and reviewers).")

    @Option(help: "Witness name, e.g. witness.review-office.example.hk/w1.") var name: String
    @Option(help: "Output path prefix.") var out: String

    func run() async throws {
        let cosigner = try Cosigner.generate(name: name)
        try writeKeyPair(secret: cosigner.signerKey, public: cosigner.verifier.verifierKey, prefix: out)
    }
}
