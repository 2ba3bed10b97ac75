import ArgumentParser
import FederationBridge
import Foundation
import PIAChecks

/// `bridge partner …`: onboarding a relying party.
struct PartnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner",
        abstract: "Onboard relying parties.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check a partner's metadata against the federation's trust and the privacy policy.",
            discussion: """
                Prints, per relying party in the file: signature, validUntil, certificates and key sizes, ACS endpoints \
                and bindings, and per purpose exactly which requested attributes would be released (in the form \
                requested) and which withheld, and why. Exits 1 when anything fails.
                """
        )

        @Argument(help: "The partner's metadata file (an EntityDescriptor or an EntitiesDescriptor aggregate).")
        var metadata: String

        @Option(help: "The bridge's YAML configuration: the policy and the federation trust certificate come from it.")
        var config: String?

        @Option(help: "The privacy policy file (instead of --config).")
        var policy: String?

        @Option(help: "PEM file with the federation trust certificate(s) (instead of --config).")
        var trust: String?

        func validate() throws {
            if config != nil, policy != nil || trust != nil {
                throw ValidationError("--config names the policy and trust certificate; drop --policy and --trust")
            }
            if config == nil, policy == nil {
                throw ValidationError("give --config FILE, or --policy FILE (and --trust PEM to check the signature)")
            }
        }

        func run() async throws {
            let policyFile: URL
            var trustPEM: String?
            if let config {
                let configuration = try ConfigurationLoader.commandLine(file: config)
                policyFile = configuration.policyFile
                trustPEM = configuration.metadata.trustCertificate?.pem
            } else {
                policyFile = URL(fileURLWithPath: policy ?? "")
                trustPEM = try trust.map { try String(contentsOfFile: $0, encoding: .utf8) }
            }
            let loaded: Policy
            do {
                loaded = try PolicyStore.read(policyFile)
            } catch {
                throw ValidationError("\(policyFile.path): \(error)")
            }
            let xml: Data
            do {
                xml = try Data(contentsOf: URL(fileURLWithPath: metadata))
            } catch {
                throw ValidationError("cannot read \(metadata): \(error.localizedDescription)")
            }
            let reports = PartnerCheck(policy: loaded, trustCertificatePEM: trustPEM).check(xml)
            print(reports.map(\.text).joined(separator: "\n\n"))
            if !reports.allSatisfy(\.acceptable) { throw ExitCode(1) }
        }
    }
}
