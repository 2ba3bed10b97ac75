import Foundation
import Testing

/// `bridge bench flow` end to end, on a handful of flows: it must finish
/// them all and print every figure it promises, the per-endpoint CPU and the
/// HTTP exchanges per flow among them. The figures themselves are not judged.
@Suite struct BenchFlowCommandTests {
    @Test func aShortRunPrintsEveryFigure() throws {
        let run = try CommandLineBehaviourTests.bridge(["bench", "flow", "--levels", "1", "--flows", "4"])
        #expect(run.status == 0, "\(run.output)")
        let lines = run.output.split(separator: "\n").map(String.init)
        let level = try #require(lines.first { $0.contains("1 concurrent:") }, "\(run.output)")
        #expect(level.contains("4 flows, 0 errors"), "\(level)")
        #expect(level.contains("bridge CPU") && level.contains("ms/flow"), "\(level)")
        // Every endpoint a resident's browser meets, each charged the bridge's CPU.
        for endpoint in ["GET /saml/sso", "GET /start", "GET /iamsmart/callback", "GET /approval", "GET /consent", "POST /consent"] {
            let line = try #require(lines.first { $0.contains(endpoint) }, "\(endpoint) missing: \(run.output)")
            let cpu = try #require(Self.number(after: "bridge CPU", in: line), "\(line)")
            #expect(cpu > 0, "\(line)")
        }
        // The protocol's exchanges: six or more browser requests and the back
        // channel, and the calls to iAM Smart (token, profile, content key).
        let http = try #require(lines.first { $0.hasPrefix("HTTP per flow:") }, "\(run.output)")
        let served = try #require(Self.number(after: "the bridge served", in: http), "\(http)")
        let calls = try #require(Self.number(after: "requests and made", in: http), "\(http)")
        #expect(served >= 7 && served <= 12, "\(http)")
        #expect(calls >= 2 && calls <= 8, "\(http)")
        #expect(Self.number(after: "costs it", in: http).map { $0 > 0 } == true, "\(http)")
    }

    /// The first number after `label` in `line`.
    static func number(after label: String, in line: String) -> Double? {
        guard let range = line.range(of: label) else { return nil }
        let rest = line[range.upperBound...].drop { !$0.isNumber }
        return Double(rest.prefix { $0.isNumber || $0 == "." })
    }
}
