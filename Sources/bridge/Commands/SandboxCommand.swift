import ArgumentParser

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a sandbox protocol peer on loopback."
    )

    func run() async throws {
        throw ValidationError("'sandbox' is not available in this build yet.")
    }
}
