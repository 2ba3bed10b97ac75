import Logging

extension Logger {
    /// Metadata key of the flow ID on every log line of a flow.
    public static let flowIDKey = "flow"

    /// A logger whose every line carries the flow ID. Log only pseudonyms,
    /// attribute names and keyed digests through it, never personal data.
    public func forFlow(_ flowID: FlowID) -> Logger {
        var logger = self
        logger[metadataKey: Self.flowIDKey] = .string(flowID.value)
        return logger
    }
}
