/// Where a token is and how to log in to it: the module file, the token's
/// label and the user PIN (taken from the environment by the configuration).
public struct TokenConfiguration: Sendable, Hashable, CustomStringConvertible {
    public var modulePath: String
    public var tokenLabel: String
    public var pin: String

    public init(modulePath: String, tokenLabel: String, pin: String) {
        self.modulePath = modulePath
        self.tokenLabel = tokenLabel
        self.pin = pin
    }

    /// Without the PIN.
    public var description: String { "token \"\(tokenLabel)\" via \(modulePath)" }
}

extension TokenConfiguration {
    /// `<PREFIX>MODULE`, `<PREFIX>TOKEN` and `<PREFIX>PIN` from the environment,
    /// or nil when any is missing (benchmarks and tests that need a token).
    public init?(environment: [String: String], prefix: String) {
        guard let module = environment[prefix + "MODULE"], !module.isEmpty,
            let token = environment[prefix + "TOKEN"], !token.isEmpty,
            let pin = environment[prefix + "PIN"], !pin.isEmpty
        else { return nil }
        self.init(modulePath: module, tokenLabel: token, pin: pin)
    }
}
