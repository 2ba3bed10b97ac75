import ArgumentParser
import FederationBridge
import Foundation
import SAMLMapper

struct MetadataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metadata",
        abstract: "Export our signed SAML IdP metadata.",
        subcommands: [Export.self]
    )

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Print our signed IdP EntityDescriptor on stdout."
        )

        @Option(help: "The bridge's YAML configuration: exports exactly what GET /saml/metadata serves. Or give the key options below.")
        var config: String?

        @Option(help: "Our IdP entityID.")
        var entityId: String?

        @Option(help: "Public base URL; endpoints are /saml/sso and /saml/artifact under it.")
        var baseUrl: String?

        @Option(help: "PEM private key that signs the metadata (the current signing key).")
        var signingKey: String?

        @Option(help: "PEM certificate of the current signing key.")
        var signingCert: String?

        @Option(help: "PEM certificate of the next signing key, published ahead of a rollover.")
        var nextSigningCert: String?

        @Option(help: "PEM certificate of our encryption key.")
        var encryptionCert: String?

        @Option(help: "Days until validUntil.")
        var validDays: Int = 7

        func validate() throws {
            let keyOptions = [entityId, baseUrl, signingKey, signingCert]
            if config != nil {
                guard keyOptions.allSatisfy({ $0 == nil }) else {
                    throw ValidationError("--config takes everything from the configuration; drop the key options")
                }
            } else if keyOptions.contains(where: { $0 == nil }) {
                throw ValidationError("give --config FILE, or all of --entity-id, --base-url, --signing-key and --signing-cert")
            }
        }

        func run() async throws {
            if let config {
                let configuration = try ConfigurationLoader.commandLine(file: config)
                let keys = try IdPKeyMaterial(configuration: configuration)
                FileHandle.standardOutput.write(
                    try keys.signedMetadata(configuration: configuration, now: Date(), validity: Double(validDays) * 86400))
                return
            }
            guard let entityId, let baseUrl, let signingKey, let signingCert else { return }
            let key = try SigningKey(pem: try String(contentsOfFile: signingKey, encoding: .utf8))
            let endpoints = IdPMetadata.endpoints(baseURL: baseUrl)
            let signingDER = try Self.der(signingCert)
            let metadata = IdPMetadata(
                entityID: entityId, signingCertificate: signingDER, nextSigningCertificate: try nextSigningCert.map(Self.der),
                encryptionCertificate: try encryptionCert.map(Self.der), singleSignOnServices: endpoints.sso,
                artifactResolutionServices: endpoints.artifact, singleLogoutServices: [], nameIDFormats: [NameID.persistent],
                validUntil: Date().addingTimeInterval(Double(validDays) * 86400))
            let signer = EnvelopedSigner(key: key, certificateDER: Array(signingDER))
            FileHandle.standardOutput.write(try metadata.signedXML(signer))
        }

        static func der(_ path: String) throws -> Data {
            let pem = try String(contentsOfFile: path, encoding: .utf8)
            guard let der = PEMText.der(pem) else {
                throw ValidationError("\(path) is not a PEM certificate")
            }
            return der
        }
    }
}
