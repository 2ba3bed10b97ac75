import ArgumentParser

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the bridge with a sandbox iAM Smart and a sandbox Guangdong relying party on loopback."
    )

    func run() async throws {
        throw ValidationError("'demo' is not available in this build yet.")
    }
}
