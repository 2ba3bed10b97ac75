import ArgumentParser
import Crypto
import Foundation
import PKCS11Token
import SAMLMapper
import _CryptoExtras

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate, list and roll the bridge's keys.",
        subcommands: [Generate.self, KeysListCommand.self, KeysRollCommand.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract:
                "Write key.pem (PKCS#8) and a self-signed cert.pem into a directory; with --pkcs11 the key is made in the token and only cert.pem is written."
        )

        enum Algorithm: String, ExpressibleByArgument, CaseIterable {
            case rsa2048, rsa3072, p256, sm2, ed25519
        }

        @Option(help: "Key type: rsa2048, rsa3072, p256 or sm2 (files); rsa2048, rsa3072, p256 or ed25519 (--pkcs11).")
        var alg: Algorithm

        @Option(help: "Directory for the files (created if missing).")
        var out: String

        @Option(help: "Certificate subject common name.")
        var commonName: String = "FederationBridge SAML"

        @Option(help: "Certificate validity in days.")
        var validDays: Int = 730

        @Flag(help: "Create the key inside a PKCS#11 token; the private key never leaves it.")
        var pkcs11 = false

        @Option(help: "Label of the new token key (with --pkcs11), e.g. saml-signing-2027.")
        var label: String?

        @OptionGroup var token: TokenOptions

        func validate() throws {
            if pkcs11 {
                guard let label, !label.isEmpty else { throw ValidationError("--pkcs11 needs --label") }
                guard alg != .sm2 else { throw ValidationError("SM2 keys are not made in tokens here (no standard PKCS#11 mechanism)") }
            } else {
                guard alg != .ed25519 else { throw ValidationError("for a file tree-head key use `bridge log keygen`; ed25519 here is for --pkcs11") }
            }
            guard validDays > 0 else { throw ValidationError("--valid-days must be positive") }
        }

        func run() async throws {
            let dir = URL(fileURLWithPath: out, isDirectory: true)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let certURL = dir.appendingPathComponent("cert.pem")
            if pkcs11, let label {
                let configuration = try token.configuration()
                let type: TokenKeyType
                switch alg {
                case .rsa2048: type = .rsa2048
                case .rsa3072: type = .rsa3072
                case .p256: type = .p256
                case .ed25519, .sm2: type = .ed25519
                }
                let key = try Token(configuration).generateKey(type, label: label)
                let cert = try SelfSignedCertificate(tokenKey: key, commonName: commonName, validDays: validDays)
                try Self.write(cert.pem, to: certURL)
                print("made \(key.publicKey.kindName) key \"\(label)\" in token \"\(configuration.tokenLabel)\"; wrote \(certURL.path)")
                print("configuration: key: pkcs11:\(label)")
                return
            }
            let key: SigningKey
            switch alg {
            case .rsa2048: key = .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
            case .rsa3072: key = .rsa(try _RSA.Signing.PrivateKey(keySize: .bits3072))
            case .p256: key = .p256(P256.Signing.PrivateKey())
            case .sm2, .ed25519: key = .sm2(try SM2Key.generate())
            }
            let cert = try SelfSignedCertificate(key: key, commonName: commonName, validDays: validDays)
            let keyURL = dir.appendingPathComponent("key.pem")
            try Self.write(try key.pkcs8PEM(), to: keyURL)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyURL.path)
            try Self.write(cert.pem, to: certURL)
            print("wrote \(keyURL.path) and \(certURL.path) (\(alg.rawValue))")
        }

        static func write(_ pem: String, to url: URL) throws {
            try Data((pem.hasSuffix("\n") ? pem : pem + "\n").utf8).write(to: url)
        }
    }
}
