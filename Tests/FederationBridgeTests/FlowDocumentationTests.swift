import Foundation
import Testing

@testable import FederationBridge

/// docs/flow.md is what partners and operators read: it must list every
/// refusal code the code can produce, and nothing the code cannot.
@Suite struct FlowDocumentationTests {
    static let flowDoc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/flow.md")

    @Test func everyRefusalCodeIsDocumented() throws {
        let text = try String(contentsOf: Self.flowDoc, encoding: .utf8)
        let table = text.components(separatedBy: "\n").filter { $0.hasPrefix("| `") }
        let documented = Set(
            table.compactMap { line -> String? in
                guard let start = line.range(of: "`"), let end = line.range(of: "`", range: start.upperBound..<line.endIndex) else { return nil }
                return String(line[start.upperBound..<end.lowerBound])
            })
        for code in FlowError.Code.allCases {
            #expect(documented.contains(code.rawValue), "docs/flow.md does not list \(code.rawValue)")
        }
        let known = Set(FlowError.Code.allCases.map(\.rawValue))
        for code in documented where !known.contains(code) {
            Issue.record("docs/flow.md lists \(code), which no code produces")
        }
    }
}
