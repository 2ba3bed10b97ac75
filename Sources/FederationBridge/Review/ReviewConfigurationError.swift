/// A reviewer account or page setting that the operator has to fix before the
/// `/review` pages can start.
public struct ReviewConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "reviewer pages configuration: \(message)" }
}
