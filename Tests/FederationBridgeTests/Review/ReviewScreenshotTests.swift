import Foundation
import HummingbirdTesting
import Testing

/// Renders the overview and an entry page in headless Chromium and keeps the
/// screenshots as artifacts (`FB_ARTIFACTS_DIR`, else a temporary folder).
@Suite struct ReviewScreenshotTests {
    static var artifactsDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["FB_ARTIFACTS_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return FileManager.default.temporaryDirectory.appendingPathComponent("fb-artifacts", isDirectory: true)
    }

    static func chromium() -> String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    @Test func overviewAndEntryPagesRenderInChromium() async throws {
        let browser = try #require(Self.chromium(), "chromium is needed for page screenshots; scripts/test.sh installs it")
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 60))
        defer { fixture.remove() }
        let directory = Self.artifactsDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let shots = [
            ("review-overview.png", "/review"), ("review-entry.png", "/review/entries/7"),
            ("review-pia-summary.png", "/review/summary?purpose=gd-realname-account"),
        ]
        try await fixture.withServer { client in
            let port = try #require(client.port)
            for (name, path) in shots {
                let output = directory.appendingPathComponent(name)
                try? FileManager.default.removeItem(at: output)
                // Basic credentials in the URL: Chromium answers the 401 challenge with them.
                let url = "http://\(ReviewFixture.username):\(ReviewFixture.password)@localhost:\(port)\(path)"
                try await Self.screenshot(browser: browser, url: url, output: output)
            }
        }
        for (name, _) in shots {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(name) is a PNG")
            // IHDR: width and height, big-endian, at bytes 16–23.
            let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 1280 && height == 1000, "\(name) is \(width)×\(height)")
            // A 401 or blank page compresses to a few kilobytes; the pages
            // with tables and charts do not.
            #expect(data.count > 40_000, "\(name) has only \(data.count) bytes")
        }
        // The reviewer who took the screenshots appears in the audit trail.
        let actions = try FederationBridgeAuditActions.read(fixture.auditURL)
        #expect(actions.contains("view-overview") && actions.contains("view-entry") && actions.contains("view-pia-summary"))
    }

    static func screenshot(browser: String, url: String, output: URL) async throws {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("fb-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--user-data-dir=\(profile.path)", "--screenshot=\(output.path)", "--window-size=1280,1000", url,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let finished = AsyncStream<Int32> { continuation in
            process.terminationHandler = { process in
                continuation.yield(process.terminationStatus)
                continuation.finish()
            }
        }
        try process.run()
        let status = try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await status in finished { return status }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(90))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            if first == nil, process.isRunning { process.terminate() }
            return first
        }
        #expect(status == 0, "chromium exited with \(status.map(String.init) ?? "a timeout") for \(url)")
    }
}

enum FederationBridgeAuditActions {
    static func read(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["action"] as? String
        }
    }
}
