import ArgumentParser

/// Benchmarks print figures; they are never timed unit tests.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure signed-Response builds and durable log appends.",
        subcommands: [BenchSAMLCommand.self, BenchLogCommand.self]
    )
}
