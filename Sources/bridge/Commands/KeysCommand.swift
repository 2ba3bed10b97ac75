import ArgumentParser
import Crypto
import Foundation
import SAMLMapper
import _CryptoExtras

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate signing and encryption keys.",
        subcommands: [Generate.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write key.pem (PKCS#8) and a self-signed cert.pem into a directory."
        )

        enum Algorithm: String, ExpressibleByArgument, CaseIterable {
            case rsa2048, p256, sm2
        }

        @Option(help: "Key type: rsa2048, p256 or sm2.")
        var alg: Algorithm

        @Option(help: "Directory for key.pem and cert.pem (created if missing).")
        var out: String

        @Option(help: "Certificate subject common name.")
        var commonName: String = "FederationBridge SAML"

        @Option(help: "Certificate validity in days.")
        var validDays: Int = 730

        func run() async throws {
            let key: SigningKey
            switch alg {
            case .rsa2048: key = .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
            case .p256: key = .p256(P256.Signing.PrivateKey())
            case .sm2: key = .sm2(try SM2Key.generate())
            }
            let cert = try SelfSignedCertificate(key: key, commonName: commonName, validDays: validDays)
            let dir = URL(fileURLWithPath: out, isDirectory: true)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let keyURL = dir.appendingPathComponent("key.pem")
            let keyPEM = try key.pkcs8PEM()
            try Data((keyPEM.hasSuffix("\n") ? keyPEM : keyPEM + "\n").utf8).write(to: keyURL)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyURL.path)
            try Data((cert.pem.hasSuffix("\n") ? cert.pem : cert.pem + "\n").utf8).write(to: dir.appendingPathComponent("cert.pem"))
            print("wrote \(keyURL.path) and \(dir.appendingPathComponent("cert.pem").path) (\(alg.rawValue))")
        }
    }
}
