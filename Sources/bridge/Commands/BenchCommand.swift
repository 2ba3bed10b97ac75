import ArgumentParser

/// Benchmarks print figures; they are never timed unit tests.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure signed-Response builds and durable log appends; soak complete sign-ins at a steady rate.",
        subcommands: [BenchSAMLCommand.self, BenchLogCommand.self, BenchSoakCommand.self]
    )
}
