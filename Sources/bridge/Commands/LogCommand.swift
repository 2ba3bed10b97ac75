import ArgumentParser

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Read, verify and prove the transfer log."
    )

    func run() async throws {
        throw ValidationError("'log' is not available in this build yet.")
    }
}
