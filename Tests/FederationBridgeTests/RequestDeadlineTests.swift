import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import FederationBridge

/// The request deadline cancels a step that runs too long and answers 503
/// `busy`; steps inside it keep their own answers and errors.
@Suite struct RequestDeadlineTests {
    /// What a step saw when it ended.
    final class StepRecord: Sendable {
        let cancelled = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
    }

    static func router(_ record: StepRecord) -> Router<BridgeRequestContext> {
        let router = Router(context: BridgeRequestContext.self)
        router.add(middleware: RequestDeadlineMiddleware(limit: .milliseconds(300)))
        router.get("/quick") { _, _ in "done" }
        router.get("/refused") { _, _ -> String in throw HTTPError(.conflict, message: "refused by the step") }
        // Waits far past the deadline unless cancelled, as a step waiting for
        // a database connection does.
        router.get("/slow") { _, _ -> String in
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                record.cancelled.add(1, ordering: .relaxed)
                throw error
            }
            record.finished.add(1, ordering: .relaxed)
            return "late"
        }
        // Ignores cancellation and answers anyway: the deadline still wins.
        router.get("/stubborn") { _, _ -> String in
            let clock = ContinuousClock()
            let until = clock.now + .milliseconds(600)
            while clock.now < until { try? await Task.sleep(for: .milliseconds(20)) }
            record.finished.add(1, ordering: .relaxed)
            return "ignored the deadline"
        }
        return router
    }

    @Test func stepsWithinTheDeadlineKeepTheirAnswers() async throws {
        let record = StepRecord()
        try await Application(router: Self.router(record)).test(.router) { client in
            try await client.execute(uri: "/quick", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "done")
            }
            try await client.execute(uri: "/refused", method: .get) { response in
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
            try await client.execute(uri: "/slow", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[errorCode] == "busy")
                #expect(response.headers[.retryAfter] == "30")
            }
            #expect(clock.now - started < .seconds(10), "the step was not cancelled at its deadline")
            #expect(record.cancelled.load(ordering: .relaxed) == 1)
            #expect(record.finished.load(ordering: .relaxed) == 0)
            try await client.execute(uri: "/stubborn", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(!String(buffer: response.body).contains("ignored"))
            }
            #expect(record.finished.load(ordering: .relaxed) == 1)
        }
    }

    /// Many requests at once, most of them quick: each gets its own answer,
    /// and only the slow ones are cut off.
    @Test func concurrentRequestsEachGetTheirOwnAnswer() async throws {
        let record = StepRecord()
        try await Application(router: Self.router(record)).test(.router) { client in
            try await withThrowingTaskGroup(of: (String, HTTPResponse.Status).self) { group in
                for index in 0..<40 {
                    let uri = index % 10 == 0 ? "/slow" : "/quick"
                    group.addTask { try await (uri, client.execute(uri: uri, method: .get) { $0.status }) }
                }
                for try await (uri, status) in group {
                    #expect(status == (uri == "/slow" ? .serviceUnavailable : .ok), "\(uri)")
                }
            }
            #expect(record.cancelled.load(ordering: .relaxed) == 4)
        }
    }
}
