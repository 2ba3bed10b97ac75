import Foundation
import HummingbirdTesting
import Testing

@testable import FederationBridge

/// Renders the overview, an entry page and the PIA summary in headless
/// Chromium, in each language at 1280 px and 390 px, and keeps the
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

    /// Signs in on the sign-in page like a reviewer, then screenshots the pages.
    @Test func overviewAndEntryPagesRenderInChromium() async throws {
        _ = try #require(ExternalToolTests.tool("python3"), "python3 drives chromium; scripts/test.sh installs it")
        _ = try #require(Self.chromium(), "chromium is needed for page screenshots; scripts/test.sh installs it")
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 60))
        defer { fixture.remove() }
        let directory = Self.artifactsDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pages = [
            ("review-overview", "/review?"), ("review-entry", "/review/entries/7?"),
            ("review-pia-summary", "/review/summary?purpose=gd-realname-account&"),
        ]
        var shots: [(name: String, path: String, width: Int, language: Language)] = []
        for width in [1280, 390] {
            for language in Language.allCases {
                for (name, path) in pages {
                    shots.append(("\(name)-\(language.rawValue)-\(width).png", path + "lang=\(language.rawValue)", width, language))
                }
            }
        }
        let planned = shots
        try await fixture.withServer { client in
            let base = "http://localhost:\(try #require(client.port))"
            var steps: [[String: Any]] = [
                ["viewport": [1280, 1000]],
                ["goto": base + "/review"], ["waitSelector": "#username"],
                ["fill": "#username", "value": ReviewFixture.username], ["fill": "#password", "value": ReviewFixture.password],
                ["click": "#sign-in"],
            ]
            for shot in planned {
                let output = directory.appendingPathComponent(shot.name)
                try? FileManager.default.removeItem(at: output)
                let heading = ReviewStrings.table(for: shot.language)["nav.sign_out"] ?? "-"
                steps += [["viewport": [shot.width, 1000]], ["goto": base + shot.path], ["waitText": heading], ["screenshot": output.path]]
            }
            let result = try await ExternalToolTests.clickThrough(steps)
            #expect(result.status == 0, "click_through.py: \(result.output)")
        }
        for shot in shots {
            let name = shot.name
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(name) is a PNG")
            // IHDR: width, big-endian, at bytes 16–19.
            let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == shot.width, "\(name) is \(width) px wide")
            // A sign-in or blank page compresses to a few kilobytes; the pages
            // with tables and charts do not.
            #expect(data.count > 40_000, "\(name) has only \(data.count) bytes")
        }
        // The reviewer who took the screenshots appears in the audit trail.
        let actions = try FederationBridgeAuditActions.read(fixture.auditURL)
        #expect(
            actions.contains("sign-in") && actions.contains("view-overview") && actions.contains("view-entry") && actions.contains("view-pia-summary")
        )
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
