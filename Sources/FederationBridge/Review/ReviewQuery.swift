import Foundation

/// Query parameters decoded as an HTML form sends them (`+` is a space), the
/// first value winning when a name repeats.
public struct ReviewQuery: Sendable {
    private var values: [String: String] = [:]

    public init(_ query: String?) {
        guard let query else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            let value = parts.count > 1 ? (Self.decode(parts[1]) ?? "") : ""
            if values[name] == nil { values[name] = value }
        }
    }

    public init(_ values: [String: String]) {
        self.values = values
    }

    public subscript(_ name: String) -> String? { values[name] }

    static func decode(_ component: Substring) -> String? {
        component.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// Encodes items for a link, escaping everything but unreserved characters.
    public static func encode(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return items.map { name, value in
            let encodedName = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
            let encodedValue = value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
            return "\(encodedName)=\(encodedValue)"
        }.joined(separator: "&")
    }
}
