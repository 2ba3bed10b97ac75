import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import FederationBridge

/// The request deadline cancels a step that runs too long and answers 503
/// `busy`; steps inside it keep their own answers and errors. Steps that
/// must finish get a deadline far beyond what a loaded test machine needs,
/// and steps that must be cut off would otherwise run for minutes, so no
/// expectation depends on how fast the machine is.
@Suite struct RequestDeadlineTests {
    /// What the steps saw when they ended.
    final class StepRecord: Sendable {
        let cancelled = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
    }

    static func router(_ record: StepRecord) -> Router<BridgeRequestContext> {
        let router = Router(context: BridgeRequestContext.self)
        let within = router.group("within").add(middleware: RequestDeadlineMiddleware(limit: .seconds(120)))
        within.get("echo/:value") { _, context in try context.parameters.require("value") }
        within.get("refused") { _, _ -> String in throw HTTPError(.conflict, message: "refused by the step") }
        let short = router.group("short").add(middleware: RequestDeadlineMiddleware(limit: .milliseconds(300)))
        // Waits for five minutes unless cancelled, as a step waiting for a
        // database connection does.
        short.get("slow") { _, _ -> String in
            do {
                try await Task.sleep(for: .seconds(300))
            } catch {
                record.cancelled.add(1, ordering: .relaxed)
                throw error
            }
            record.finished.add(1, ordering: .relaxed)
            return "late"
        }
        // Ignores cancellation and answers anyway, ten times the deadline
        // later: the deadline still wins.
        short.get("stubborn") { _, _ -> String in
            let clock = ContinuousClock()
            let until = clock.now + .seconds(3)
            while clock.now < until { try? await Task.sleep(for: .milliseconds(20)) }
            record.finished.add(1, ordering: .relaxed)
            return "ignored the deadline"
        }
        return router
    }

    @Test func stepsWithinTheDeadlineKeepTheirAnswers() async throws {
        let record = StepRecord()
        try await Application(router: Self.router(record)).test(.router) { client in
            try await client.execute(uri: "/within/echo/done", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "done")
            }
            try await client.execute(uri: "/within/refused", method: .get) { response in
                #expect(response.status == .conflict)
            }
        }
    }

    @Test func aStepPastTheDeadlineIsCancelledAndAnsweredBusy() async throws {
        let record = StepRecord()
        try await Application(router: Self.router(record)).test(.router) { client in
            let errorCode = try #require(HTTPField.Name(FlowError.header))
            let clock = ContinuousClock()
            let started = clock.now
            try await client.execute(uri: "/short/slow", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[errorCode] == "busy")
                #expect(response.headers[.retryAfter] == "30")
            }
            // Cancelled, not run to its end five minutes later.
            #expect(record.cancelled.load(ordering: .relaxed) == 1)
            #expect(record.finished.load(ordering: .relaxed) == 0)
            #expect(clock.now - started < .seconds(150))
            try await client.execute(uri: "/short/stubborn", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(!String(buffer: response.body).contains("ignored"))
            }
            #expect(record.finished.load(ordering: .relaxed) == 1, "the answer waits for the step to end")
        }
    }

    /// Many requests at once: each quick one gets its own answer, and only
    /// the slow ones are cut off.
    @Test func concurrentRequestsEachGetTheirOwnAnswer() async throws {
        let record = StepRecord()
        try await Application(router: Self.router(record)).test(.router) { client in
            try await withThrowingTaskGroup(of: (Int, HTTPResponse.Status, String).self) { group in
                for index in 0..<40 {
                    let uri = index % 10 == 0 ? "/short/slow" : "/within/echo/\(index)"
                    group.addTask {
                        try await client.execute(uri: uri, method: .get) { (index, $0.status, String(buffer: $0.body)) }
                    }
                }
                for try await (index, status, body) in group {
                    if index % 10 == 0 {
                        #expect(status == .serviceUnavailable, "\(index)")
                    } else {
                        #expect(status == .ok && body == "\(index)", "\(index): \(status) \(body)")
                    }
                }
            }
            #expect(record.cancelled.load(ordering: .relaxed) == 4)
            #expect(record.finished.load(ordering: .relaxed) == 0)
        }
    }
}
