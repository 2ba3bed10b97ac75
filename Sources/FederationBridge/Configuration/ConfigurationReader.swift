import Foundation
import Yams

/// Reads typed values out of a YAML tree by dotted key path, collecting
/// problems instead of stopping at the first, and remembering which keys
/// were read so that unknown (mistyped) keys can be reported.
final class ConfigurationReader {
    private let root: Node
    let baseDirectory: URL
    private let environment: [String: String]
    private(set) var issues: [ConfigurationIssue] = []
    private var visited: Set<String> = []
    /// Prefixes whose children are free-form tables (code tables).
    private var freeForm: Set<String> = []

    init(root: Node, baseDirectory: URL, environment: [String: String]) {
        self.root = root
        self.baseDirectory = baseDirectory
        self.environment = environment
    }

    func fail(_ keyPath: String, _ problem: String) {
        issues.append(ConfigurationIssue(keyPath: keyPath, problem: problem))
    }

    /// The node at `keyPath`, or `nil` when absent or null.
    func node(_ keyPath: String) -> Node? {
        visited.insert(keyPath)
        var current: Node? = root
        for component in keyPath.split(separator: ".") {
            guard let mapping = current?.mapping else { return nil }
            current = mapping[String(component)]
        }
        if let current, current.null != nil, current.scalar != nil { return nil }
        return current
    }

    // MARK: Scalars

    /// A string, with `env:NAME` replaced by that environment variable.
    func string(_ keyPath: String, default defaultValue: String? = nil) -> String? {
        guard let node = node(keyPath) else {
            if defaultValue == nil { fail(keyPath, "required") }
            return defaultValue
        }
        guard let scalar = node.scalar else {
            fail(keyPath, "expected a text value")
            return nil
        }
        return resolveEnvironment(scalar.string, keyPath: keyPath)
    }

    func optionalString(_ keyPath: String) -> String? {
        guard node(keyPath) != nil else { return nil }
        return string(keyPath)
    }

    private func resolveEnvironment(_ value: String, keyPath: String) -> String? {
        guard value.hasPrefix("env:") else { return value }
        let name = String(value.dropFirst(4))
        guard !name.isEmpty else {
            fail(keyPath, "`env:` needs a variable name")
            return nil
        }
        guard let resolved = environment[name], !resolved.isEmpty else {
            fail(keyPath, "environment variable \(name) is not set")
            return nil
        }
        return resolved
    }

    func int(_ keyPath: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
        guard let text = string(keyPath, default: String(defaultValue)) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            fail(keyPath, "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
            return defaultValue
        }
        return value
    }

    /// `90`, `90s`, `500ms`, `10m`, `2h`, `1d`; a bare number means seconds.
    func duration(_ keyPath: String, default defaultValue: Duration, minimum: Duration = .milliseconds(1)) -> Duration {
        guard node(keyPath) != nil, let text = string(keyPath) else { return defaultValue }
        guard let value = Self.parseDuration(text), value >= minimum else {
            fail(keyPath, "expected a duration such as 180s, 10m or 500ms (at least \(minimum)), got \"\(text)\"")
            return defaultValue
        }
        return value
    }

    static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, milliseconds) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            // "ms" also ends with "s": only accept a plain number before the suffix.
            guard let amount = Int64(number), amount >= 0 else { continue }
            return .milliseconds(amount * milliseconds)
        }
        if let seconds = Int64(trimmed), seconds >= 0 { return .seconds(seconds) }
        return nil
    }

    func url(_ keyPath: String, default defaultValue: String? = nil) -> URL? {
        guard let text = string(keyPath, default: defaultValue) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", url.host != nil
        else {
            fail(keyPath, "expected an absolute http or https URL, got \"\(text)\"")
            return nil
        }
        return url
    }

    func stringList(_ keyPath: String, default defaultValue: [String]) -> [String] {
        guard let node = node(keyPath) else { return defaultValue }
        if let scalar = node.scalar {
            return scalar.string.split(separator: " ").map(String.init)
        }
        guard let sequence = node.sequence else {
            fail(keyPath, "expected a list")
            return defaultValue
        }
        return sequence.enumerated().compactMap { index, item in
            guard let scalar = item.scalar else {
                fail("\(keyPath)[\(index)]", "expected a text value")
                return nil
            }
            return scalar.string
        }
    }

    /// A mapping of text to text (a code table).
    func table(_ keyPath: String, default defaultValue: [String: String]) -> [String: String] {
        freeForm.insert(keyPath)
        guard let node = node(keyPath) else { return defaultValue }
        guard let mapping = node.mapping else {
            fail(keyPath, "expected a table of keys to values")
            return defaultValue
        }
        var result: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string, let text = value.scalar?.string else {
                fail(keyPath, "entries must be text: text")
                continue
            }
            result[name] = text
        }
        return result
    }

    /// A list of mappings, each read with a child reader path such as `reviewers[0]`.
    func sequenceCount(_ keyPath: String) -> Int {
        freeForm.insert(keyPath)
        guard let node = node(keyPath) else { return 0 }
        guard let sequence = node.sequence else {
            fail(keyPath, "expected a list")
            return 0
        }
        return sequence.count
    }

    func element(_ keyPath: String, _ index: Int) -> Node? {
        node(keyPath)?.sequence.flatMap { index < $0.count ? $0[index] : nil }
    }

    // MARK: Files

    /// A path resolved against the configuration file's folder.
    func path(_ text: String) -> URL {
        if text.hasPrefix("/") { return URL(fileURLWithPath: text).standardizedFileURL }
        return baseDirectory.appendingPathComponent(text).standardizedFileURL
    }

    /// Reads a PEM file and checks it holds a block with one of `labels`.
    func pemFile(_ keyPath: String, labels: [String], required: Bool = true) -> BridgeConfiguration.PEMFile? {
        let text: String?
        if required {
            text = string(keyPath)
        } else {
            text = optionalString(keyPath)
        }
        guard let text else { return nil }
        let location = path(text)
        guard FileManager.default.fileExists(atPath: location.path) else {
            fail(keyPath, "file not found (\(location.path))")
            return nil
        }
        guard let data = FileManager.default.contents(atPath: location.path),
            let pem = String(data: data, encoding: .utf8)
        else {
            fail(keyPath, "file cannot be read as text (\(location.path))")
            return nil
        }
        guard labels.contains(where: { pem.contains("-----BEGIN \($0)-----") }) else {
            let expected = labels.map { "\"\($0)\"" }.joined(separator: " or ")
            fail(keyPath, "no PEM block \(expected) in \(location.path)")
            return nil
        }
        return BridgeConfiguration.PEMFile(path: location, pem: pem)
    }

    /// A private key: `pkcs11:LABEL` names a key in the configured token,
    /// anything else is a PEM file path.
    func privateKey(_ keyPath: String, labels: [String], tokenConfigured: Bool) -> BridgeConfiguration.PrivateKeyLocation? {
        if let text = optionalString(keyPath), text.hasPrefix("pkcs11:") {
            let label = String(text.dropFirst("pkcs11:".count))
            guard !label.isEmpty else {
                fail(keyPath, "pkcs11: needs a key label, e.g. pkcs11:saml-signing")
                return nil
            }
            guard tokenConfigured else {
                fail(keyPath, "names a token key, but there is no pkcs11 section (module, token, pin)")
                return nil
            }
            return .token(label: label)
        }
        return pemFile(keyPath, labels: labels).map { .file($0) }
    }

    // MARK: Unknown keys

    /// Keys present in the file that nothing read: usually typos.
    func reportUnknownKeys() {
        func walk(_ node: Node, prefix: String) {
            guard let mapping = node.mapping else { return }
            for (key, child) in mapping {
                guard let name = key.scalar?.string else { continue }
                let path = prefix.isEmpty ? name : "\(prefix).\(name)"
                if freeForm.contains(path) { continue }
                if child.mapping != nil {
                    walk(child, prefix: path)
                } else if !visited.contains(path) {
                    fail(path, "unknown key")
                }
            }
        }
        walk(root, prefix: "")
    }
}
