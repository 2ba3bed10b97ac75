import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import FederationBridge

/// Who may see the pages, and that every look is recorded.
@Suite struct ReviewAccessTests {
    @Test func pagesRequireAReviewerAccount() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 4))
        defer { fixture.remove() }
        try await fixture.withServer { client in
            for path in [
                "/review", "/review/entries", "/review/entries/0", "/review/entries/0/proof", "/review/export.csv", "/review/export.jsonl",
                "/review/summary",
            ] {
                let anonymous = try await client.get(path, username: nil)
                #expect(anonymous.status == .unauthorized, "\(path) without credentials")
                #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Basic realm=") == true)
                #expect(!anonymous.text.contains(ReviewFixture.guangzhou), "401 must not leak log content")

                let wrong = try await client.get(path, password: "review-pass-2025")
                #expect(wrong.status == .unauthorized, "\(path) with a wrong password")

                let right = try await client.get(path)
                #expect(right.status == .ok, "\(path) with the right password")
            }
            // Another account's password does not open this one, nor does an unknown name.
            #expect(try await client.get("/review", password: "other-secret").status == .unauthorized)
            #expect(try await client.get("/review", username: "root", password: ReviewFixture.password).status == .unauthorized)
            #expect(try await client.get("/review", username: "auditor", password: "other-secret").status == .ok)
        }
    }

    @Test func malformedAuthorizationHeadersAreRefused() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 2))
        defer { fixture.remove() }
        try await fixture.withServer { client in
            let hostile = [
                "Basic",
                "Basic !!!not-base64!!!",
                "Basic " + Data("dpo".utf8).base64EncodedString(),
                "Basic " + Data("dpo:".utf8).base64EncodedString(),
                "Basic " + Data(":review-pass-2026".utf8).base64EncodedString(),
                "Bearer " + ReviewFixture.password,
                "basic " + Data("dpo:review-pass-2026".utf8).base64EncodedString(),
                "Basic " + Data("dpo:review-pass-2026\u{0}tail".utf8).base64EncodedString(),
                "Basic " + Data(("dpo:" + String(repeating: "x", count: 5000)).utf8).base64EncodedString(),
            ]
            for value in hostile {
                let response = try await client.execute(uri: "/review", method: .get, headers: [.authorization: value])
                #expect(response.status == .unauthorized, "\(value.prefix(40))")
            }
        }
    }

    @Test func pagesAreReadOnlyAndLockedDown() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 2))
        defer { fixture.remove() }
        try await fixture.withServer { client in
            let authorization = "Basic " + Data("dpo:review-pass-2026".utf8).base64EncodedString()
            for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
                let response = try await client.execute(uri: "/review", method: method, headers: [.authorization: authorization])
                #expect(response.status != .ok, "\(method) must not be routed")
            }
            let page = try await client.get("/review")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'"))
            #expect(!policy.contains("script-src"))
            #expect(page.headers[.cacheControl] == "no-store")
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            #expect(!page.text.lowercased().contains("<script"))
            // No external resources: nothing loaded by src, no stylesheet links, no absolute links.
            #expect(!page.text.contains(" src="))
            #expect(!page.text.contains("<link"))
            #expect(!page.text.contains("href=\"http"))
            #expect(!page.text.contains("url("))
        }
        let count = try await fixture.log.verify().entries
        #expect(count == 2, "reading the pages must not append to the transfer log")
    }

    @Test func everyReviewerActionIsRecordedInAChainedTrail() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 3))
        defer { fixture.remove() }
        try await fixture.withServer { client in
            _ = try await client.get("/review")
            _ = try await client.get(
                "/review/entries?recipient=\(ReviewFixture.shenzhen.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
            _ = try await client.get("/review/entries/1")
            _ = try await client.get("/review/entries/1/proof")
            _ = try await client.get("/review/export.csv?decision=refused")
            _ = try await client.get("/review/summary?purpose=gd-realname-account", username: "auditor", password: "other-secret")
            _ = try await client.get("/review", password: "wrong")
        }
        let records = try ReviewAuditLog.verifyChain(at: fixture.auditURL)
        #expect(records.map(\.action) == ["view-overview", "search", "view-entry", "download-proof", "export-csv", "view-pia-summary"])
        #expect(records.map(\.reviewer) == ["dpo", "dpo", "dpo", "dpo", "dpo", "auditor"])
        #expect(records[1].target == "recipient=\(ReviewFixture.shenzhen)")
        #expect(records[2].target == "entry 1")
        #expect(records[4].target == "decision=refused")
        #expect(records[0].previous == ReviewAuditLog.genesis)

        // Editing one line breaks the chain at the line after it.
        var lines = try String(contentsOf: fixture.auditURL, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[2] = lines[2].replacingOccurrences(of: "entry 1", with: "entry 2")
        try (lines.joined(separator: "\n") + "\n").write(to: fixture.auditURL, atomically: true, encoding: .utf8)
        #expect(throws: ReviewAuditError.self) { try ReviewAuditLog.verifyChain(at: fixture.auditURL) }
        do {
            _ = try ReviewAuditLog.verifyChain(at: fixture.auditURL)
        } catch let error as ReviewAuditError {
            #expect(error.description.contains("line 4"))
        }
    }

    @Test func auditTrailContinuesItsChainAfterRestart() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fb-audit-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let reviewer = Reviewer(username: "dpo")
        _ = try await ReviewAuditLog(fileURL: url).record(reviewer: reviewer, action: "view-overview", target: "overview")
        _ = try await ReviewAuditLog(fileURL: url).record(reviewer: reviewer, action: "view-entry", target: "entry 3")
        let records = try ReviewAuditLog.verifyChain(at: url)
        #expect(records.count == 2)
        #expect(records[1].previous != ReviewAuditLog.genesis)
    }

    @Test func accountConfigurationIsValidated() throws {
        let good = try ReviewAccounts.hashPassword("s3cret-password", cost: 10)
        #expect(try ReviewAccounts([.init(username: "dpo", passwordHash: good)]).usernames == ["dpo"])
        let rejected: [[ReviewAccounts.Account]] = [
            [],
            [.init(username: "dpo", passwordHash: "s3cret-password")],
            [.init(username: "dpo", passwordHash: String(good.dropLast()))],
            [.init(username: "dpo", passwordHash: "$2b$04$" + good.dropFirst(7))],
            [.init(username: "dpo", passwordHash: "$1$" + good.dropFirst(3))],
            [.init(username: "dpo", passwordHash: good), .init(username: "dpo", passwordHash: good)],
            [.init(username: "d p o", passwordHash: good)],
            [.init(username: "", passwordHash: good)],
            [.init(username: "dpo:x", passwordHash: good)],
        ]
        for accounts in rejected {
            #expect(throws: ReviewConfigurationError.self) { try ReviewAccounts(accounts) }
        }
        #expect(throws: ReviewConfigurationError.self) { try ReviewAccounts.hashPassword(String(repeating: "x", count: 73)) }
        #expect(throws: ReviewConfigurationError.self) { try ReviewAccounts.hashPassword("short", cost: 4) }
    }

    @Test func accountsDecodeFromConfiguration() throws {
        let hash = try ReviewAccounts.hashPassword("s3cret-password", cost: 10)
        let json = #"[{"username":"dpo","passwordHash":"\#(hash)"}]"#
        let accounts = try JSONDecoder().decode([ReviewAccounts.Account].self, from: Data(json.utf8))
        #expect(accounts == [.init(username: "dpo", passwordHash: hash)])
    }

    @Test func unknownAndKnownUsersCostTheSameBcryptWork() async throws {
        // Equal work is shown by what gets verified, not by a stopwatch: an
        // unknown name is checked against a decoy hash of the highest cost
        // configured, so it runs the same bcrypt as a known name would.
        let low = try ReviewAccounts.hashPassword("s3cret-password", cost: 10)
        let high = try ReviewAccounts.hashPassword("other-password", cost: 11)
        let accounts = try ReviewAccounts([.init(username: "dpo", passwordHash: low), .init(username: "cpo", passwordHash: high)])
        #expect(accounts.hashToVerify(username: "dpo") == low)
        let decoy = accounts.hashToVerify(username: "nobody")
        #expect(decoy != low && decoy != high)
        #expect(ReviewAccounts.bcryptCost(decoy) == 11)
        #expect(accounts.hashToVerify(username: "someone-else") == decoy)
        #expect(await accounts.authenticate(username: "nobody", password: "wrong") == nil)
        #expect(await accounts.authenticate(username: "dpo", password: "wrong") == nil)
        #expect(await accounts.authenticate(username: "dpo", password: "s3cret-password") == Reviewer(username: "dpo"))
    }
}
