import Foundation
import Sandbox

#if canImport(Glibc)
import Glibc
#endif

/// A `bridge serve` child process, with the kernel's own counters for it:
/// CPU time and peak resident memory come from `/proc`, not from the
/// bridge's word, so the flow benchmark measures exactly that process. Tests
/// use it to run several instances, kill one, and watch the others.
public final class BridgeServeProcess: Sendable {
    let process: Process
    public let url: String
    public let outputFile: URL
    /// Its write end stays open for as long as this process lives.
    private let lifeline: Pipe

    /// Starts `executable serve --config file` and waits until `/readyz` answers 200.
    public init(executable: URL, configuration file: URL, url: String, outputFile: URL, browser: SandboxBrowser) async throws {
        let process = Process()
        process.executableURL = executable
        // The child stops when this process ends, however it ends: it holds
        // the read end of a pipe whose write end only this process keeps.
        process.arguments = ["serve", "--config", file.path, "--stop-when-input-closes"]
        let lifeline = Pipe()
        process.standardInput = lifeline
        process.currentDirectoryURL = file.deletingLastPathComponent()
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        self.process = process
        self.lifeline = lifeline
        self.url = url
        self.outputFile = outputFile
        try await waitUntilReady(browser)
    }

    public var pid: Int32 { process.processIdentifier }

    private func waitUntilReady(_ browser: SandboxBrowser) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(120)
        while clock.now < deadline {
            guard process.isRunning else {
                let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
                throw BrowserError("bridge serve exited with \(process.terminationStatus): \(output.suffix(600))")
            }
            if let readyz = URL(string: url + "/readyz"), let page = try? await browser.request(readyz), page.status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BrowserError("bridge at \(url) not ready after 120 s; its output is in \(outputFile.path)")
    }

    /// Waits until the bridge's `/metrics` has a sample of `metric` (for
    /// example, the first audit of the log has passed).
    public func waitForMetric(_ metric: String, browser: SandboxBrowser, timeout: Duration = .seconds(900)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if try await !samples(of: metric, browser: browser).isEmpty { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw BrowserError("\(metric) not on \(url)/metrics after \(timeout)")
    }

    /// The sum of every sample of `metric` on `/metrics` (all label sets
    /// of a counter), or 0 when it has none yet.
    public func metricTotal(_ metric: String, browser: SandboxBrowser) async throws -> Double {
        try await samples(of: metric, browser: browser).reduce(0, +)
    }

    /// The values of every sample of `metric` (any label set) on `/metrics`.
    private func samples(of metric: String, browser: SandboxBrowser) async throws -> [Double] {
        guard let metrics = URL(string: url + "/metrics") else { throw BrowserError("bad bridge URL \(url)") }
        return try await browser.request(metrics).body.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(metric + "{") || line.hasPrefix(metric + " ") else { return nil }
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
    }

    /// User plus system CPU seconds the process has used so far.
    public func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name: state is field 3; utime and stime are 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU time all the process's threads have run so far, in nanoseconds,
    /// from the scheduler's own accounting (`schedstat`), which counts to the
    /// nanosecond where `stat` counts in clock ticks: fine enough to charge
    /// a single request. Threads that have ended no longer count, so the
    /// sum can go down between two readings.
    public func scheduledNanoseconds() -> UInt64 {
        let tasks = "/proc/\(pid)/task"
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: tasks) else { return 0 }
        return threads.reduce(0) { total, thread in
            guard let line = try? String(contentsOfFile: "\(tasks)/\(thread)/schedstat", encoding: .utf8),
                let running = line.split(separator: " ").first.flatMap({ UInt64($0) })
            else { return total }
            return total + running
        }
    }

    /// Resident set size now and at its peak, in MiB.
    public func memory() -> (current: Double, peak: Double) {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return (0, 0) }
        func value(_ key: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }),
                let kib = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            else { return 0 }
            return kib / 1024
        }
        return (value("VmRSS"), value("VmHWM"))
    }

    /// SIGTERM, and waits for the exit.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// SIGKILL, as a crash or the OOM killer would: no shutdown code runs.
    public func kill() {
        guard process.isRunning else { return }
        _ = Glibc.kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    public var isRunning: Bool { process.isRunning }
}
