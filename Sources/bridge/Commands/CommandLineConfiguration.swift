import ArgumentParser
import FederationBridge

extension ConfigurationLoader {
    /// Loads `--config FILE` for a command. A problem in the file is the
    /// file's, not the command line's: it is reported with every issue and
    /// without the usage text.
    static func commandLine(file: String) throws(ConfigurationError) -> BridgeConfiguration {
        try ConfigurationLoader().load(file: file)
    }
}
