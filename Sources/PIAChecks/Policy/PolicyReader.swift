import Foundation
import Yams

/// Walks a composed YAML node tree, turning every type or presence mistake
/// into a `PolicyError` that names the line and key path.
struct PolicyReader {
    let node: Node
    let path: String

    var line: Int? { node.mark?.line }

    func fail(_ problem: String) -> PolicyError {
        PolicyError(line: line, key: path, problem: problem)
    }

    private func child(_ key: String) -> PolicyReader? {
        guard let mapping = node.mapping else { return nil }
        for (k, v) in mapping where k.string == key {
            return PolicyReader(node: v, path: path.isEmpty ? key : "\(path).\(key)")
        }
        return nil
    }

    func requireMapping() throws -> Node.Mapping {
        guard let mapping = node.mapping else { throw fail("expected a mapping") }
        return mapping
    }

    /// Rejects keys the schema does not know: a misspelt key would otherwise
    /// silently fall back to a default and weaken a check.
    func allowOnly(_ keys: Set<String>) throws {
        for (k, _) in try requireMapping() {
            let name = k.string ?? "?"
            if !keys.contains(name) {
                let keyPath = path.isEmpty ? name : "\(path).\(name)"
                throw PolicyError(line: k.mark?.line, key: keyPath, problem: "unknown key; expected one of \(keys.sorted().joined(separator: ", "))")
            }
        }
    }

    func required(_ key: String) throws -> PolicyReader {
        _ = try requireMapping()
        guard let value = child(key) else { throw fail("missing required key '\(key)'") }
        return value
    }

    func optional(_ key: String) throws -> PolicyReader? {
        _ = try requireMapping()
        guard let value = child(key) else { return nil }
        if value.node.null != nil { return nil }
        return value
    }

    func string() throws -> String {
        guard let scalar = node.scalar, !scalar.string.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw fail("expected a non-empty string")
        }
        return scalar.string
    }

    func int(min: Int = 0) throws -> Int {
        guard node.scalar != nil, let value = node.int else { throw fail("expected an integer") }
        guard value >= min else { throw fail("must be at least \(min)") }
        return value
    }

    func double() throws -> Double {
        guard node.scalar != nil, let value = node.float else { throw fail("expected a number") }
        return value
    }

    func bool() throws -> Bool {
        guard node.scalar != nil, let value = node.bool else { throw fail("expected true or false") }
        return value
    }

    /// A calendar day `YYYY-MM-DD`, as UTC midnight.
    func day() throws -> Date {
        let text = try string()
        let parts = text.split(separator: "-").compactMap { Int($0) }
        var components = DateComponents()
        if parts.count == 3 {
            components.year = parts[0]
            components.month = parts[1]
            components.day = parts[2]
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        guard parts.count == 3, components.isValidDate(in: calendar), let date = calendar.date(from: components) else {
            throw fail("expected a date YYYY-MM-DD")
        }
        return date
    }

    func items() throws -> [PolicyReader] {
        guard case .sequence(let sequence) = node else { throw fail("expected a list") }
        return sequence.enumerated().map { PolicyReader(node: $0.element, path: "\(path)[\($0.offset)]") }
    }

    func strings() throws -> [String] {
        try items().map { try $0.string() }
    }
}
