import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

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
        #expect(Self.number(after: "to serve and its caller", in: http).map { $0 > 0 } == true, "\(http)")
        try Self.checkFloor(lines, store: "SQLite", output: run.output)
    }

    /// Two instances on one PostgreSQL: the store figures are PostgreSQL's,
    /// taken on the database the bridges share.
    @Test func onPostgreSQLTheStoreFloorIsPostgreSQLs() async throws {
        try await PostgresTestServer.withSchema("Bench_") { schema in
            let run = try CommandLineBehaviourTests.bridge([
                "bench", "flow", "--levels", "2", "--flows", "4", "--instances", "2", "--store", try PostgresTestServer.url(schema: schema),
            ])
            #expect(run.status == 0, "\(run.output)")
            let lines = run.output.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.contains("2 concurrent:") && $0.contains("4 flows, 0 errors") }, "\(run.output)")
            try Self.checkFloor(lines, store: "PostgreSQL", output: run.output)
            // The floor's own rows are gone from the database the bridges share.
            let baseURL = try #require(PostgresTestServer.baseURL)
            let left = try ExternalToolTests.run(
                "/usr/bin/psql", [baseURL, "-Atc", "SELECT count(*) FROM \"\(schema)\".flow_state WHERE id LIKE 'store-floor-%'"])
            #expect(left.status == 0 && left.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(left.output)")
        }
    }

    /// The store's smallest operations on `store`, and the floor they make
    /// with HTTP and signing: every part there, and adding up.
    static func checkFloor(_ lines: [String], store name: String, output: String) throws {
        let store = try #require(lines.first { $0.hasPrefix("store:") }, "\(output)")
        #expect(store.contains("(\(name), this process)"), "\(store)")
        let change = try #require(number(after: "a state change costs", in: store), "\(store)")
        let read = try #require(number(after: "read", in: store), "\(store)")
        #expect(change > 0 && read > 0, "\(store)")
        let floor = try #require(lines.first { $0.hasPrefix("stack floor per flow") }, "\(output)")
        let parts = try ["signing", "+ HTTP", "+ store"].map { try #require(number(after: $0, in: floor), "\($0): \(floor)") }
        let total = try #require(number(after: "= ", in: floor), "\(floor)")
        #expect(parts.allSatisfy { $0 > 0 }, "\(floor)")
        // Printed to two decimals each, so the sum may differ by rounding.
        #expect(abs(parts.reduce(0, +) - total) < 0.02, "\(floor)")
        let best = try #require(number(after: "bridge best", in: floor), "\(floor)")
        #expect(best >= total, "a flow cannot cost less than its floor: \(floor)")
    }

    /// A benchmark killed outright (SIGKILL: no code of its own runs) leaves
    /// no `bridge serve` behind: each child stops when its input pipe from
    /// the benchmark closes.
    @Test func aKilledBenchmarkLeavesNoBridgeRunning() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("fb-bench-kill-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let bench = Process()
        bench.executableURL = URL(fileURLWithPath: try MetadataExportTests.bridgeExecutable())
        bench.arguments = ["bench", "flow", "--levels", "1", "--flows", "100000"]
        bench.standardOutput = handle
        bench.standardError = handle
        try bench.run()
        defer { if bench.isRunning { kill(bench.processIdentifier, SIGKILL) } }
        let clock = ContinuousClock()
        var child: Int32?
        let started = clock.now
        while child == nil, clock.now - started < .seconds(120), bench.isRunning {
            child = Self.children(of: bench.processIdentifier).first { Self.commandLine(of: $0).contains("serve") }
            try await Task.sleep(for: .milliseconds(100))
        }
        let bridge = try #require(child, "no bridge serve started: \((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
        // Let it come up and take sign-ins for a moment.
        try await Task.sleep(for: .seconds(3))
        kill(bench.processIdentifier, SIGKILL)
        bench.waitUntilExit()
        let killed = clock.now
        while Self.isAlive(bridge), clock.now - killed < .seconds(60) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!Self.isAlive(bridge), "bridge serve \(bridge) still runs after its benchmark was killed")
        if Self.isAlive(bridge) { kill(bridge, SIGKILL) }
    }

    /// Processes whose parent is `pid`, from `/proc`.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { candidate in
            guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }

    static func commandLine(of pid: Int32) -> String {
        let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
        return String(decoding: raw.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }

    /// Running, or at least not yet a zombie waiting to be reaped.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return false
        }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    /// The first number after `label` in `line`.
    static func number(after label: String, in line: String) -> Double? {
        guard let range = line.range(of: label) else { return nil }
        let rest = line[range.upperBound...].drop { !$0.isNumber }
        return Double(rest.prefix { $0.isNumber || $0 == "." })
    }
}
