import FederationBridge
import Foundation
import GRDB
import PIAChecks
import Testing

/// An insider rolls the transfer log back under a running bridge: the
/// bridge notices, refuses every transfer, and says so in `/readyz`,
/// `/metrics` and its log.
@Suite struct LogIntegrityEndToEndTests {
    @Test func aRolledBackLogStopsEveryTransfer() async throws {
        let logs = LogRecorder()
        try await FederationHarness.run(logs: logs) { harness in
            for _ in 0..<2 {
                let run = try await harness.signIn(as: "adult-basic", binding: .post)
                #expect(run.outcome?.isSuccess == true)
            }
            let ready = try await harness.browser.request(try harness.url(harness.bridgeURL + "/readyz"))
            #expect(ready.status == 200)

            // Delete the newest entry with its tree head and set the tree state back.
            let path = harness.federation.url("var/transfer-log.sqlite").path
            let first = try #require(try await harness.flow.transferLog.store.records(from: 0, limit: 1).first)
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "DELETE FROM log_entries WHERE seq >= 1")
                try db.execute(sql: "DELETE FROM log_tree_heads WHERE size > 1")
                try db.execute(sql: "UPDATE log_state SET size = 1, frontier = ? WHERE id = 1", arguments: [first.leafHash])
                try db.execute(sql: TallyRewrite.sql)
            }
            try queue.close()
            #expect(try await harness.flow.transferLog.verify().entries == 1, "the rolled-back log verifies on its own")

            let notReady = try await harness.browser.request(try harness.url(harness.bridgeURL + "/readyz"))
            #expect(notReady.status == 503)
            #expect(notReady.body.contains("transfer-log") && notReady.body.contains("rolled back"), "\(notReady.body)")
            #expect(harness.services.metrics.exposition().contains("\(MetricNames.transferLogConsistent) 0"))

            // The next sign-in is refused before anything is built or sent.
            let (_, consent) = try await harness.reachConsent(as: "adult-basic", binding: .post)
            let refused = try await harness.browser.submit(consent, button: "agree")
            BadInputTests.expectRefusal(refused, 503, .transferLogUnavailable)
            #expect(!refused.body.contains("SAMLResponse"))
            #expect(await harness.relyingParty.outcomes().count == 2)
            #expect(try await harness.flow.transferLog.store.treeHeads().map(\.size).max() == 1, "nothing signed over the rollback")
            #expect(logs.records.contains { $0.level == .critical && $0.message.contains("does not extend") && $0.text.contains("rolled back") })
        }
    }
}

extension LogIntegrityEndToEndTests {
    /// An insider edits one searchable column of an old entry, leaving the
    /// tail and every checkpoint alone: the bridge's audit finds it, and
    /// every transfer stops.
    @Test func anEditInTheMiddleOfTheLogStopsEveryTransfer() async throws {
        let logs = LogRecorder()
        try await FederationHarness.run(logs: logs, auditInterval: .seconds(1)) { harness in
            for _ in 0..<3 {
                let run = try await harness.signIn(as: "adult-basic", binding: .post)
                #expect(run.outcome?.isSuccess == true)
            }
            let path = harness.federation.url("var/transfer-log.sqlite").path
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "UPDATE log_entries SET decision = 'refused' WHERE seq = 0")
            }
            try queue.close()

            // Wait for the next audit (every second here), at most half a minute.
            var readiness = try await harness.browser.request(try harness.url(harness.bridgeURL + "/readyz"))
            for _ in 0..<60 where readiness.status == 200 {
                try await Task.sleep(for: .milliseconds(500))
                readiness = try await harness.browser.request(try harness.url(harness.bridgeURL + "/readyz"))
            }
            #expect(readiness.status == 503)
            #expect(readiness.body.contains("transfer-log") && readiness.body.contains("entry 0"), "\(readiness.body)")
            #expect(harness.services.metrics.exposition().contains("\(MetricNames.transferLogConsistent) 0"))
            #expect(logs.records.contains { $0.level == .critical && $0.text.contains("decision column") })

            let (_, consent) = try await harness.reachConsent(as: "adult-basic", binding: .post)
            let refused = try await harness.browser.submit(consent, button: "agree")
            BadInputTests.expectRefusal(refused, 503, .transferLogUnavailable)
            #expect(await harness.relyingParty.outcomes().count == 3)
        }
    }
}

/// What a careful insider runs after deleting entries: the hourly tallies
/// recounted from the rows left, so `verify --full` finds nothing amiss.
enum TallyRewrite {
    static let sql = """
        DELETE FROM log_hourly;
        INSERT INTO log_hourly (recipient, hour, purpose, decision, entries)
        SELECT recipient, time_ms / 3600000, purpose, decision, COUNT(*) FROM log_entries GROUP BY 1, 2, 3, 4
        """
}

/// An insider points a resident's session at another flow by editing the
/// flow ID stored beside the sealed pointer: the step is refused, nothing is
/// sent, and the edited pointer leads nowhere.
@Suite struct SessionPointerEditTests {
    @Test func aPointerEditedToNameAnotherFlowIsRefused() async throws {
        try await FederationHarness.run { harness in
            let path = harness.federation.url("var/bridge.sqlite").path
            func pointedFlows() async throws -> [String] {
                let queue = try DatabaseQueue(path: path)
                defer { try? queue.close() }
                return try await queue.read { db in try String.fetchAll(db, sql: "SELECT ref FROM flow_state WHERE ref IS NOT NULL") }
            }
            // Flow A is left at its consent page; the same browser starts flow B.
            _ = try await harness.reachConsent(as: "adult-basic", binding: .post)
            let flowA = try #require(try await pointedFlows().first)
            let (_, form) = try await harness.reachConsent(as: "adult-basic", binding: .post)
            let pointed = try await pointedFlows()
            #expect(pointed.count == 1 && pointed.first != flowA, "one live pointer, to flow B")
            let entriesBefore = try await harness.logEntries().count

            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "UPDATE flow_state SET ref = ? WHERE ref IS NOT NULL", arguments: [flowA])
            }
            try queue.close()

            let refused = try await harness.browser.submit(form, button: "agree")
            #expect(refused.status >= 400)
            #expect(!refused.body.contains("SAMLResponse"))
            #expect(await harness.relyingParty.outcomes().isEmpty)
            #expect(try await harness.logEntries().count == entriesBefore)
        }
    }

    /// Pointers written before the flow ID was stored beside them (an
    /// upgrade mid-sign-in) still lead to their flow, by a second read.
    @Test func aPointerStoredWithoutItsFlowIDStillLeadsToItsFlow() async throws {
        try await FederationHarness.run { harness in
            let (_, form) = try await harness.reachConsent(as: "adult-basic", binding: .post)
            let queue = try DatabaseQueue(path: harness.federation.url("var/bridge.sqlite").path)
            let cleared = try await queue.write { db -> Int in
                try db.execute(sql: "UPDATE flow_state SET ref = NULL WHERE ref IS NOT NULL")
                return db.changesCount
            }
            try queue.close()
            #expect(cleared == 1)
            let sent = try await harness.browser.submit(form, button: "agree")
            #expect(sent.status == 200 && sent.body.contains("SAMLResponse"))
        }
    }
}
