import ArgumentParser
import Foundation
import PIAChecks

/// Durable appends per second, SQLite and PostgreSQL, at 1, 16 and 128
/// writers; then the log at `--scale` entries (proofs, pages, verify, volume check).
struct BenchLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Append to the transfer log durably and print the rate, then time proofs, pages and verification at scale."
    )

    @Option(help: "Seconds per measurement.") var seconds: Double = 3
    @Option(help: "PostgreSQL URL (default: $FB_TEST_POSTGRES_URL); PostgreSQL is skipped when neither is set.")
    var postgres: String?
    @Option(help: "Concurrent writer counts.") var writers: [Int] = [1, 16, 128]
    @Flag(help: "Append as the bridge does: only on top of the checkpoint kept in a signed-checkpoint file, rewritten (fsync) per batch.")
    var checkpointFile = false
    @Option(help: "Entries in the log for the proof, page, verify and volume figures (0 skips them).")
    var scale = 1_000_000
    @Flag(name: .customLong("skip-sqlite-scale"), help: "Skip SQLite in the scale figures.") var skipSQLiteScale = false

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
        let base = postgres ?? ProcessInfo.processInfo.environment["FB_TEST_POSTGRES_URL"]
        if let base {
            for count in writers {
                let store = try await postgresStore(base, "bench_\(count)")
                let rate = try await measure(store: store, signer: signer, writers: count)
                print(line("postgresql", count, rate))
                try await store.dropSchema()
                try await store.close()
            }
        } else {
            print("postgresql  skipped: give --postgres URL or set FB_TEST_POSTGRES_URL")
        }
        guard scale > 0 else { return }
        let bench = LogScaleBench(entries: scale, signer: signer, measureSeconds: seconds)
        if !skipSQLiteScale {
            let large = try await TransferLogStores.open(url: "sqlite:" + directory.appendingPathComponent("scale.sqlite").path)
            let empty = try await TransferLogStores.open(url: "sqlite:" + directory.appendingPathComponent("empty.sqlite").path)
            try await bench.run(store: large, name: "sqlite", emptyStore: empty)
            try await large.close()
            try await empty.close()
        }
        guard let base else { return }
        let largePG = try await postgresStore(base, "bench_scale")
        let emptyPG = try await postgresStore(base, "bench_empty")
        try await bench.run(store: largePG, name: "postgresql", emptyStore: emptyPG)
        for store in [largePG, emptyPG] {
            try await store.dropSchema()
            try await store.close()
        }
    }

    private func postgresStore(_ base: String, _ name: String) async throws -> PostgresTransferLogStore {
        let separator = base.contains("?") ? "&" : "?"
        return try await PostgresTransferLogStore.connect(url: base + separator + "schema=\(name)_\(UInt32.random(in: 0...UInt32.max))")
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
        return try await LogScaleBench.appendRate(log, writers: writers, seconds: seconds)
    }
}
