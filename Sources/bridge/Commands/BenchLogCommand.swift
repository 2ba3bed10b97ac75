import ArgumentParser
import Foundation
import PIAChecks

/// Durable appends per second, SQLite and PostgreSQL, at 1, 16 and 128 writers.
struct BenchLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Append to the transfer log durably and print the rate."
    )

    @Option(help: "Seconds per measurement.") var seconds: Double = 3
    @Option(help: "PostgreSQL URL (default: $FB_TEST_POSTGRES_URL); PostgreSQL is skipped when neither is set.")
    var postgres: String?
    @Option(help: "Concurrent writer counts.") var writers: [Int] = [1, 16, 128]
    @Flag(help: "Append as the bridge does: only on top of the checkpoint kept in a signed-checkpoint file, rewritten (fsync) per batch.")
    var checkpointFile = false

    func run() async throws {
        let signer = try TreeHeadSigner.generate(name: "bench.federationbridge.invalid/log")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fb-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        print("store       writers  appends/s  (durable, group commit)")
        for count in writers {
            let url = "sqlite:" + directory.appendingPathComponent("log-\(count).sqlite").path
            let store = try await TransferLogStores.open(url: url)
            let rate = try await measure(store: store, signer: signer, writers: count)
            print(line("sqlite", count, rate))
            try await store.close()
        }
        guard let base = postgres ?? ProcessInfo.processInfo.environment["FB_TEST_POSTGRES_URL"] else {
            print("postgresql  skipped: give --postgres URL or set FB_TEST_POSTGRES_URL")
            return
        }
        for count in writers {
            let schema = "bench_\(count)_\(UInt32.random(in: 0...UInt32.max))"
            let separator = base.contains("?") ? "&" : "?"
            let store = try await PostgresTransferLogStore.connect(url: base + separator + "schema=" + schema)
            let rate = try await measure(store: store, signer: signer, writers: count)
            print(line("postgresql", count, rate))
            try await store.dropSchema()
            try await store.close()
        }
    }

    private func line(_ name: String, _ writers: Int, _ rate: Double) -> String {
        name.padding(toLength: 12, withPad: " ", startingAt: 0)
            + String(writers).padding(toLength: 9, withPad: " ", startingAt: 0)
            + String(format: "%.0f", rate)
    }

    private func measure(store: any TransferLogStore, signer: TreeHeadSigner, writers: Int) async throws -> Double {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fb-bench-\(UUID().uuidString).checkpoint")
        defer { try? FileManager.default.removeItem(at: file) }
        let log = TransferLog(store: store, signer: signer, signedState: checkpointFile ? SignedTreeStateFile(url: file) : nil)
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: .milliseconds(Int(seconds * 1000)))
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var done = 0
                    while clock.now < deadline {
                        _ = try await log.append(SampleEntries.entry(task: writer, index: done))
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = start.duration(to: clock.now)
        let secondsElapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(total) / secondsElapsed
    }
}
