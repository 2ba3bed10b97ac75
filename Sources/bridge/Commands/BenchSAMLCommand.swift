import ArgumentParser

struct BenchSAMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saml",
        abstract: "Build and sign SAML Responses and print the rate."
    )

    func run() async throws {
        throw ValidationError("'bench saml' is not available in this build yet.")
    }
}
