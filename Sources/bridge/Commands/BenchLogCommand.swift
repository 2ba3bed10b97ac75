import ArgumentParser

struct BenchLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Append to the transfer log durably and print the rate."
    )

    func run() async throws {
        throw ValidationError("'bench log' is not available in this build yet.")
    }
}
