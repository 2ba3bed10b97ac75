import ArgumentParser

/// Benchmarks print figures; they are never timed unit tests.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure complete sign-ins, signed-Response builds and the transfer log; soak complete sign-ins at a steady rate.",
        subcommands: [BenchSAMLCommand.self, BenchLogCommand.self, BenchFlowCommand.self, BenchSoakCommand.self, BenchStateCommand.self]
    )
}
