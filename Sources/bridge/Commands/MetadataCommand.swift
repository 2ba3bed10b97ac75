import ArgumentParser

struct MetadataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metadata",
        abstract: "Export our signed SAML IdP metadata."
    )

    func run() async throws {
        throw ValidationError("'metadata' is not available in this build yet.")
    }
}
