import ArgumentParser

/// The one executable operators, reviewers and tests use.
@main
struct Bridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridge",
        abstract: "FederationBridge: iAM Smart sign-in for the Guangdong Unified Identity Authentication Platform.",
        version: BridgeVersion.text,
        subcommands: [
            ServeCommand.self,
            DemoCommand.self,
            SandboxCommand.self,
            LogCommand.self,
            WitnessCommand.self,
            KeysCommand.self,
            MetadataCommand.self,
            PartnerCommand.self,
            XMLCommand.self,
            BenchCommand.self,
        ]
    )
}
