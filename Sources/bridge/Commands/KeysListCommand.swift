import ArgumentParser
import FederationBridge
import Foundation
import X509

/// `bridge keys list`: which key does what, where it is, and when its
/// certificate expires, from the bridge's configuration. Token keys are
/// opened, so a missing key or a wrong PIN shows here first.
struct KeysListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show each key's role, location, type and certificate expiry."
    )

    @Option(help: "The bridge's configuration file.")
    var config: String

    func run() async throws {
        let configuration = try ConfigurationLoader.commandLine(file: config)
        let material = try IdPKeyMaterial(configuration: configuration)
        let keys = configuration.keys
        let now = Date()
        var rows: [[String]] = [["ROLE", "KEY", "TYPE", "CERTIFICATE EXPIRES", "USE"]]
        func type(_ role: String, certificate: BridgeConfiguration.PEMFile?) -> String {
            if let key = material.tokenKeys.first(where: { $0.role == role })?.key { return key.publicKey.kindName }
            return certificate.flatMap(Self.certificate).map(Self.keyType) ?? "PEM file"
        }
        let rollNote = keys.rollAt.map { " until \($0.formatted(.iso8601))" } ?? ""
        rows.append([
            "keys.signing.key", Self.location(keys.signing.key, configuration), type("keys.signing.key", certificate: keys.signing.certificate),
            Self.expiry(keys.signing.certificate, now: now), "signs Responses, Assertions and metadata\(rollNote)",
        ])
        if let next = keys.nextSigningCertificate {
            let use = keys.rollAt.map { "published in metadata; signs from \($0.formatted(.iso8601))" } ?? "published in metadata (no roll time set)"
            rows.append([
                "keys.signing.nextKey", keys.nextSigningKey.map { Self.location($0, configuration) } ?? "(not configured)",
                type("keys.signing.nextKey", certificate: next), Self.expiry(next, now: now), use,
            ])
        }
        rows.append([
            "keys.encryption.key", Self.location(keys.encryption.key, configuration),
            type("keys.encryption.key", certificate: keys.encryption.certificate), Self.expiry(keys.encryption.certificate, now: now),
            "decrypts what partners encrypt to us",
        ])
        rows.append([
            "iamsmart.privateKey", Self.location(configuration.iamSmart.privateKey, configuration), type("iamsmart.privateKey", certificate: nil),
            "registered with iAM Smart", "unwraps the iAM Smart content key",
        ])
        rows.append([
            "transferLog.treeHeadKey", Self.location(configuration.transferLog.treeHeadKey, configuration),
            type("transferLog.treeHeadKey", certificate: nil), "-", "signs transfer-log checkpoints",
        ])
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
        print("transfer-log verifier key: \(material.treeHeadSigner.verifier.verifierKey)")
    }

    static func location(_ location: BridgeConfiguration.PrivateKeyLocation, _ configuration: BridgeConfiguration) -> String {
        switch location {
        case .file(let file): return "file \(file.path.path)"
        case .token(let label): return "pkcs11:\(label) (token \(configuration.pkcs11?.tokenLabel ?? "?"))"
        }
    }

    static func certificate(_ file: BridgeConfiguration.PEMFile) -> Certificate? {
        try? Certificate(pemEncoded: file.pem)
    }

    static func keyType(_ certificate: Certificate) -> String {
        let description = String(describing: certificate.publicKey)
        if description.contains("RSA") { return "RSA" }
        if description.contains("P256") { return "P-256" }
        return description.prefix(20).description
    }

    /// `2028-11-29 (730 days)`, `EXPIRED 2026-01-01`, or why not known.
    static func expiry(_ file: BridgeConfiguration.PEMFile, now: Date) -> String {
        guard let certificate = certificate(file) else { return "unreadable (\(file.path.lastPathComponent))" }
        let notAfter = certificate.notValidAfter
        let day = notAfter.formatted(.iso8601.year().month().day())
        guard notAfter > now else { return "EXPIRED \(day)" }
        return "\(day) (\(Int(notAfter.timeIntervalSince(now) / 86400)) days)"
    }
}
