import ArgumentParser

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate signing and encryption keys."
    )

    func run() async throws {
        throw ValidationError("'keys' is not available in this build yet.")
    }
}
