import ArgumentParser
import FederationBridge

extension ConfigurationLoader {
    /// Loads `--config FILE` for a command: every problem at once, as the
    /// command's usage error.
    static func commandLine(file: String) throws -> BridgeConfiguration {
        do {
            return try ConfigurationLoader().load(file: file)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
