/// A policy file that cannot be trusted to drive the checks.
///
/// The message names the line and key so an operator can fix the file without
/// guessing; it never quotes values, because a policy may one day carry
/// contact details.
public struct PolicyError: Error, CustomStringConvertible, Sendable, Equatable {
    /// 1-based line in the YAML file, when known.
    public var line: Int?
    /// Dotted key path, e.g. `purposes[0].attributes[2].necessity`.
    public var key: String
    public var problem: String

    public init(line: Int?, key: String, problem: String) {
        self.line = line
        self.key = key
        self.problem = problem
    }

    public var description: String {
        let place = line.map { "line \($0)" } ?? "policy"
        return "\(place): \(key.isEmpty ? "(document)" : key): \(problem)"
    }
}
