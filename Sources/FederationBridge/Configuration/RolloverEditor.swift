import Foundation

/// Writes a signing-key rollover into the configuration file's text: the
/// next key, its certificate and the time it takes over, under
/// `keys.signing`, keeping every other line and comment as it was.
public enum RolloverEditor {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The YAML text with `nextKey`, `nextCertificate` and `rollAt` set
    /// (replacing earlier values, commented-out or not).
    public static func settingRollover(in yaml: String, nextKey: String, nextCertificate: String, rollAt: Date) throws -> String {
        var lines = yaml.components(separatedBy: "\n")
        guard let keysLine = lines.firstIndex(where: { $0.hasPrefix("keys:") }) else {
            throw Failure(description: "no top-level keys: section")
        }
        let blockEnd = lines[(keysLine + 1)...].firstIndex(where: { !$0.isEmpty && !$0.hasPrefix(" ") && !$0.hasPrefix("#") }) ?? lines.count
        guard let signingLine = lines[(keysLine + 1)..<blockEnd].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "signing:" }) else {
            throw Failure(description: "no keys.signing section")
        }
        let signingIndent = indentation(lines[signingLine])
        var end = signingLine + 1
        var childIndent: Int?
        while end < blockEnd {
            let line = lines[end]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty, !trimmed.hasPrefix("#"), indentation(line) <= signingIndent { break }
            if childIndent == nil, !trimmed.isEmpty, !trimmed.hasPrefix("#") { childIndent = indentation(line) }
            end += 1
        }
        let indent = String(repeating: " ", count: childIndent ?? signingIndent + 2)
        let managed = ["nextKey:", "nextCertificate:", "rollAt:"]
        var kept: [String] = []
        for line in lines[(signingLine + 1)..<end] {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let setting = trimmed.hasPrefix("#") ? trimmed.dropFirst().trimmingCharacters(in: .whitespaces) : trimmed
            if managed.contains(where: { setting.hasPrefix($0) }) { continue }
            kept.append(line)
        }
        // New settings go after the last setting line, before trailing blank lines.
        var insertAt = kept.count
        while insertAt > 0, kept[insertAt - 1].trimmingCharacters(in: .whitespaces).isEmpty { insertAt -= 1 }
        kept.insert(
            contentsOf: [
                "\(indent)nextKey: \(nextKey)",
                "\(indent)nextCertificate: \(nextCertificate)",
                "\(indent)rollAt: \(rollAt.formatted(.iso8601))   # set by bridge keys roll: signing switches to nextKey then",
            ], at: insertAt)
        lines.replaceSubrange((signingLine + 1)..<end, with: kept)
        return lines.joined(separator: "\n")
    }

    private static func indentation(_ line: String) -> Int {
        line.prefix(while: { $0 == " " }).count
    }
}
