import Foundation
import Testing

@testable import FederationBridge

/// Failed sign-ins counted by one atomic statement, on both stores.
@Suite struct SignInThrottleTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: StoreKind.allCases)
    func theLimitLocksAndTheWindowRestarts(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            func fail(at time: Date) async throws -> SignInFailures {
                try await store.recordFailedSignIn(
                    key: "k", now: time, windowEnds: time.addingTimeInterval(900), limit: 3, lockedUntil: time.addingTimeInterval(600))
            }
            #expect(try await store.failedSignIns(key: "k", now: now) == nil)
            #expect(try await fail(at: now).failures == 1)
            #expect(try await fail(at: now.addingTimeInterval(1)).isLocked(at: now.addingTimeInterval(1)) == false)
            let third = try await fail(at: now.addingTimeInterval(2))
            #expect(third.failures == 3 && third.isLocked(at: now.addingTimeInterval(2)))
            #expect(third.lockedUntil == now.addingTimeInterval(602))
            #expect(try await store.failedSignIns(key: "k", now: now.addingTimeInterval(100))?.isLocked(at: now.addingTimeInterval(100)) == true)
            // Another name is not affected.
            #expect(try await store.failedSignIns(key: "other", now: now) == nil)
            // After the lock and the window have passed, counting starts again.
            let later = now.addingTimeInterval(2000)
            #expect(try await store.failedSignIns(key: "k", now: later) == nil)
            #expect(try await fail(at: later).failures == 1)
            try await store.clearFailedSignIns(key: "k")
            #expect(try await store.failedSignIns(key: "k", now: later) == nil)
            // The sweep removes what has expired.
            _ = try await fail(at: later)
            #expect(try await store.sweep(now: later.addingTimeInterval(10_000)).signInFailures == 1)
        }
    }

    /// Concurrent failures from many requests (as from several instances on
    /// one PostgreSQL) each count once: no guess slips past the limit.
    @Test(arguments: StoreKind.allCases)
    func concurrentFailuresEachCountOnce(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let results = try await withThrowingTaskGroup(of: SignInFailures.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try await store.recordFailedSignIn(
                            key: "dpo", now: now, windowEnds: now.addingTimeInterval(900), limit: 5, lockedUntil: now.addingTimeInterval(900))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(results.map(\.failures)) == Set(1...40), "every failure got its own count")
            #expect(results.filter { !$0.isLocked(at: now) }.count == 4, "only the first four leave the name open")
            #expect(try await store.failedSignIns(key: "dpo", now: now)?.failures == 40)
        }
    }
}
