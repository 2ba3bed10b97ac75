import ArgumentParser

struct XMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xml",
        abstract: "Verify XML signatures the way the bridge does."
    )

    func run() async throws {
        throw ValidationError("'xml' is not available in this build yet.")
    }
}
