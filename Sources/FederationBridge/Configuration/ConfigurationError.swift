/// One problem in the configuration, named by its key path so the operator
/// can go straight to the line (e.g. `keys.signing.key: file not found`).
public struct ConfigurationIssue: Sendable, Hashable, CustomStringConvertible {
    public var keyPath: String
    public var problem: String

    public init(keyPath: String, problem: String) {
        self.keyPath = keyPath
        self.problem = problem
    }

    public var description: String { "\(keyPath): \(problem)" }
}

/// The configuration could not be used. Lists every problem found, not just
/// the first, so one edit can fix them all.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var issues: [ConfigurationIssue]

    public init(file: String, issues: [ConfigurationIssue]) {
        self.file = file
        self.issues = issues
    }

    public var description: String {
        "invalid configuration \(file):\n" + issues.map { "  \($0)" }.joined(separator: "\n")
    }

    /// Whether some issue concerns `keyPath`.
    public func mentions(_ keyPath: String) -> Bool {
        issues.contains { $0.keyPath == keyPath }
    }
}
