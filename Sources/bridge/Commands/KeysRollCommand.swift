import ArgumentParser
import FederationBridge
import Foundation
import SAMLMapper

/// `bridge keys roll`: schedules the switch to the next signing key.
///
/// Writes `nextKey`, `nextCertificate` and `rollAt` under `keys.signing`.
/// After one (rolling) restart the bridge publishes the next certificate in
/// its metadata at once and signs with the next key from `--at` on, without
/// another restart; partners that refreshed our metadata in between accept
/// both. The edited file is checked first: the next key must open and sign
/// what its certificate verifies, or nothing is written.
struct KeysRollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roll",
        abstract: "Publish the next signing key now and switch to it at a chosen time."
    )

    @Option(help: "The bridge's configuration file (edited in place).")
    var config: String

    @Option(name: .customLong("next-key"), help: "The next signing key: pkcs11:LABEL or a PEM file path (as written in the configuration).")
    var nextKey: String

    @Option(name: .customLong("next-certificate"), help: "The next key's certificate (PEM; as written in the configuration).")
    var nextCertificate: String

    @Option(help: "When signing switches, ISO 8601 (e.g. 2026-12-08T02:00:00Z); leave partners time to refresh our metadata.")
    var at: String

    func run() async throws {
        guard let rollAt = try? Date(at, strategy: .iso8601) else {
            throw ValidationError("--at: expected an ISO 8601 time such as 2026-12-08T02:00:00Z")
        }
        let now = Date()
        guard rollAt > now else { throw ValidationError("--at must be in the future") }
        let url = URL(fileURLWithPath: config)
        let original = try String(contentsOf: url, encoding: .utf8)
        let edited = try RolloverEditor.settingRollover(in: original, nextKey: nextKey, nextCertificate: nextCertificate, rollAt: rollAt)
        let configuration = try ConfigurationLoader().load(yaml: edited, baseDirectory: url.deletingLastPathComponent(), file: config)
        let material = try IdPKeyMaterial(configuration: configuration)
        guard let certificate = material.nextSigningCertificateDER else { throw ValidationError("no next certificate after editing") }
        let probe = Data("rollover check".utf8)
        let signer = material.signer(at: rollAt)
        let signature = try signer.key.sign(probe, algorithm: signer.algorithm)
        guard try SigningPublicKey(certificateDER: Array(certificate)).isValidSignature(signature, for: probe, algorithm: signer.algorithm) else {
            throw ValidationError("the next key does not match \(nextCertificate): nothing written")
        }
        try Data(edited.utf8).write(to: url, options: .atomic)
        print("wrote \(config): next key \(nextKey) published from the next (rolling) restart; signing switches at \(rollAt.formatted(.iso8601))")
        let notice = rollAt.timeIntervalSince(now)
        let refresh = configuration.metadata.refreshInterval
        if notice < 7 * 86400 {
            print(
                "note: our metadata is valid for 7 days; partners that cache it that long may not know the next key before \(rollAt.formatted(.iso8601)) (refresh here: \(refresh))"
            )
        }
        print("after the switch: make nextKey/nextCertificate the key/certificate and remove nextKey, nextCertificate and rollAt")
    }
}
