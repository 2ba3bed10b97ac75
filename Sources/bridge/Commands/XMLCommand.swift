import ArgumentParser
import Foundation
import SAMLMapper

struct XMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xml",
        abstract: "Verify XML signatures the way the bridge does.",
        subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check the enveloped signature on the document element against a pinned certificate."
        )

        @Option(help: "PEM certificate or public key to trust (repeat for key rollover).")
        var cert: [String]

        @Flag(help: "Also accept RSA-SHA1 and SHA-1 digests (legacy peers only).")
        var allowSha1 = false

        @Argument(help: "The XML file.")
        var file: String

        func run() async throws {
            do {
                let keys = try cert.map { try SigningPublicKey(pem: String(contentsOfFile: $0, encoding: .utf8)) }
                let document = try XMLDocument(parsing: try Data(contentsOf: URL(fileURLWithPath: file)))
                let verifier = SignatureVerifier(trustedKeys: keys, policy: allowSha1 ? .allowingSHA1 : .default)
                let element = try verifier.verifyRoot(of: document)
                print("verified: \(element.localName) \(element.id ?? element.attribute("Id") ?? "-")")
            } catch {
                FileHandle.standardError.write(Data("not verified: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
