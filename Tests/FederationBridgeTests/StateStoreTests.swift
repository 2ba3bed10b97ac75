import Crypto
import Foundation
import Logging
import Testing

@testable import FederationBridge

@Suite struct StateStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: StoreKind.allCases)
    func flowStateRoundTripAndExpiry(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let vault = StateVault(store: store, key: SymmetricKey(size: .bits256))
            let plaintext = Data("{\"chineseName\":\"陳大文\",\"birthDate\":\"19800101\"}".utf8)
            try await vault.putFlow(id: "fl-a", state: plaintext, expiresAt: now.addingTimeInterval(600))
            #expect(try await vault.flow(id: "fl-a", now: now) == plaintext)
            #expect(try await vault.flow(id: "fl-a", now: now.addingTimeInterval(601)) == nil, "expired flows are not returned")
            #expect(try await vault.flow(id: "fl-unknown", now: now) == nil)

            // Replace, then delete.
            try await vault.putFlow(id: "fl-a", state: Data("v2".utf8), expiresAt: now.addingTimeInterval(600))
            #expect(try await vault.flow(id: "fl-a", now: now) == Data("v2".utf8))
            try await vault.deleteFlow(id: "fl-a")
            #expect(try await store.flow(id: "fl-a", now: now) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aPointerAndItsFlowAreReadTogether(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let vault = StateVault(store: store, key: SymmetricKey(size: .bits256))
            try await vault.putFlow(id: "fl-p", state: Data("flow".utf8), phase: "awaiting-consent", expiresAt: now.addingTimeInterval(60))
            try await vault.putPointer(id: "session-p", state: Data("pointer".utf8), flowID: "fl-p", expiresAt: now.addingTimeInterval(600))
            let both = try #require(try await vault.pointerAndFlow(id: "session-p", now: now))
            #expect(both.pointer == Data("pointer".utf8) && both.flowID == "fl-p" && both.flow == Data("flow".utf8))
            // The flow expires before its pointer: the pointer still reads, without it.
            let later = try #require(try await vault.pointerAndFlow(id: "session-p", now: now.addingTimeInterval(61)))
            #expect(later.flowID == "fl-p" && later.flow == nil)
            #expect(try await vault.pointerAndFlow(id: "session-p", now: now.addingTimeInterval(601)) == nil)
            #expect(try await vault.pointerAndFlow(id: "session-none", now: now) == nil)
            // Written as a plain record (a finished pointer), it names no flow.
            try await vault.putFlow(id: "session-p", state: Data("finished".utf8), expiresAt: now.addingTimeInterval(600))
            let finished = try #require(try await vault.pointerAndFlow(id: "session-p", now: now))
            #expect(finished.pointer == Data("finished".utf8) && finished.flowID == nil && finished.flow == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func flowStateIsEncryptedAtRestAndTamperingFails(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let key = SymmetricKey(size: .bits256)
            let vault = StateVault(store: store, key: key)
            let secret = "陳大文 CHAN Tai Man 19800101"
            try await vault.putFlow(id: "fl-b", state: Data(secret.utf8), expiresAt: now.addingTimeInterval(600))

            let atRest = try #require(try await store.flow(id: "fl-b", now: now))
            #expect(atRest.range(of: Data(secret.utf8)) == nil)
            #expect(atRest.range(of: Data("CHAN".utf8)) == nil)
            #expect(atRest.range(of: Data("19800101".utf8)) == nil)
            #expect(atRest.count == secret.utf8.count + 12 + 16, "nonce + ciphertext + tag")

            // One flipped bit.
            var tampered = atRest
            tampered[tampered.count / 2] ^= 0x01
            try await store.putFlow(id: "fl-b", sealed: tampered, expiresAt: now.addingTimeInterval(600))
            await #expect(throws: StateVaultError.cannotOpen) { try await vault.flow(id: "fl-b", now: now) }

            // The intact blob moved under another flow ID (associated data binds the ID).
            try await store.putFlow(id: "fl-c", sealed: atRest, expiresAt: now.addingTimeInterval(600))
            await #expect(throws: StateVaultError.cannotOpen) { try await vault.flow(id: "fl-c", now: now) }

            // A different key.
            try await store.putFlow(id: "fl-b", sealed: atRest, expiresAt: now.addingTimeInterval(600))
            let otherVault = StateVault(store: store, key: SymmetricKey(size: .bits256))
            await #expect(throws: StateVaultError.cannotOpen) { try await otherVault.flow(id: "fl-b", now: now) }
            #expect(try await vault.flow(id: "fl-b", now: now) == Data(secret.utf8))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func replayCacheAcceptsOnceUntilExpiry(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let expires = now.addingTimeInterval(300)
            #expect(try await store.insertIfAbsent(replayID: "_req1", expiresAt: expires, now: now))
            #expect(try await store.insertIfAbsent(replayID: "_req1", expiresAt: expires, now: now) == false)
            #expect(try await store.insertIfAbsent(replayID: "_req1", expiresAt: expires, now: now.addingTimeInterval(299)) == false)
            #expect(try await store.insertIfAbsent(replayID: "_req2", expiresAt: expires, now: now))
            // After expiry the ID may be recorded again.
            #expect(
                try await store.insertIfAbsent(
                    replayID: "_req1", expiresAt: now.addingTimeInterval(900), now: now.addingTimeInterval(301)))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func replayCacheIsAtomicUnderConcurrency(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        try await store.insertIfAbsent(replayID: "_race", expiresAt: now.addingTimeInterval(60), now: now)
                    }
                }
                var count = 0
                for try await won in group where won { count += 1 }
                return count
            }
            #expect(winners == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func artifactResolvesOnceWithinLifetime(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let vault = StateVault(store: store, key: SymmetricKey(size: .bits256))
            let response = Data("<samlp:Response>…</samlp:Response>".utf8)
            try await vault.putArtifact(handle: "art-1", payload: response, expiresAt: now.addingTimeInterval(60))
            await #expect(throws: StateStoreError.self) {
                try await vault.putArtifact(handle: "art-1", payload: Data("other".utf8), expiresAt: now.addingTimeInterval(60))
            }
            let sealedArtifact = try #require(try await store.takeArtifact(handle: "art-1", now: now))
            #expect(sealedArtifact.range(of: Data("samlp:Response".utf8)) == nil, "artifacts are encrypted at rest too")
            try await store.putArtifact(handle: "art-1b", payload: sealedArtifact, expiresAt: now.addingTimeInterval(60))
            await #expect(throws: StateVaultError.cannotOpen) { try await vault.takeArtifact(handle: "art-1b", now: now) }
            try await vault.putArtifact(handle: "art-1", payload: response, expiresAt: now.addingTimeInterval(60))
            #expect(try await vault.takeArtifact(handle: "art-1", now: now) == response)
            #expect(try await vault.takeArtifact(handle: "art-1", now: now) == nil, "an artifact resolves once")

            try await vault.putArtifact(handle: "art-2", payload: response, expiresAt: now.addingTimeInterval(60))
            #expect(try await vault.takeArtifact(handle: "art-2", now: now.addingTimeInterval(61)) == nil, "expired")

            // Concurrent takes: exactly one wins.
            try await vault.putArtifact(handle: "art-3", payload: response, expiresAt: now.addingTimeInterval(60))
            let taken = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await vault.takeArtifact(handle: "art-3", now: now) != nil }
                }
                var count = 0
                for try await got in group where got { count += 1 }
                return count
            }
            #expect(taken == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func sweepDeletesOnlyExpiredRecords(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            try await store.putFlow(id: "old", sealed: Data([1]), expiresAt: now.addingTimeInterval(-1))
            try await store.putFlow(id: "live", sealed: Data([2]), expiresAt: now.addingTimeInterval(60))
            _ = try await store.insertIfAbsent(replayID: "old", expiresAt: now.addingTimeInterval(-1), now: now.addingTimeInterval(-10))
            _ = try await store.insertIfAbsent(replayID: "live", expiresAt: now.addingTimeInterval(60), now: now)
            try await store.putArtifact(handle: "old", payload: Data([3]), expiresAt: now)
            try await store.putArtifact(handle: "live", payload: Data([4]), expiresAt: now.addingTimeInterval(60))

            let swept = try await store.sweep(now: now)
            #expect(swept == SweepCount(flows: 1, replayEntries: 1, artifacts: 1))
            #expect(try await store.flow(id: "live", now: now) == Data([2]))
            #expect(try await store.insertIfAbsent(replayID: "live", expiresAt: now.addingTimeInterval(60), now: now) == false)
            #expect(try await store.takeArtifact(handle: "live", now: now) == Data([4]))
            #expect(try await store.sweep(now: now) == SweepCount())
        }
    }

    @Test(arguments: StoreKind.allCases)
    func hostileIdentifiersAreJustData(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let hostile = "x'); DROP TABLE flow_state; --"
            try await store.putFlow(id: hostile, sealed: Data([9]), expiresAt: now.addingTimeInterval(60))
            #expect(try await store.flow(id: hostile, now: now) == Data([9]))
            #expect(try await store.insertIfAbsent(replayID: hostile, expiresAt: now.addingTimeInterval(60), now: now))
            try await store.ping()
        }
    }

    @Test(arguments: StoreKind.allCases)
    func flowStepIsTakenByExactlyOneOfConcurrentCallers(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let vault = StateVault(store: store, key: SymmetricKey(size: .bits256))
            for round in 0..<20 {
                let id = "fl-race-\(round)"
                try await vault.putFlow(id: id, state: Data("v1".utf8), phase: "awaiting-consent", expiresAt: now.addingTimeInterval(600))
                let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for contender in 0..<4 {
                        group.addTask {
                            try await vault.advanceFlow(
                                id: id, from: "awaiting-consent", to: "deciding", state: Data("by \(contender)".utf8), now: now)
                        }
                    }
                    var count = 0
                    for try await won in group where won { count += 1 }
                    return count
                }
                #expect(winners == 1, "round \(round): exactly one caller takes the step")
                #expect(try await vault.flow(id: id, now: now).map { String(decoding: $0, as: UTF8.self).hasPrefix("by ") } == true)
            }
            // Wrong phase, expired or absent flows are not advanced, and keep their state.
            try await vault.putFlow(id: "fl-x", state: Data("kept".utf8), phase: "awaiting-iamsmart", expiresAt: now.addingTimeInterval(600))
            #expect(try await vault.advanceFlow(id: "fl-x", from: "awaiting-consent", to: "deciding", state: Data("no".utf8), now: now) == false)
            #expect(try await vault.flow(id: "fl-x", now: now) == Data("kept".utf8))
            #expect(
                try await vault.advanceFlow(
                    id: "fl-x", from: "awaiting-iamsmart", to: "exchanging-code", state: nil, now: now.addingTimeInterval(601)) == false)
            #expect(try await vault.advanceFlow(id: "fl-none", from: "awaiting-consent", to: "deciding", state: nil, now: now) == false)
            #expect(try await vault.advanceFlow(id: "fl-x", from: "awaiting-iamsmart", to: "exchanging-code", state: nil, now: now))
            #expect(try await vault.flow(id: "fl-x", now: now) == Data("kept".utf8), "no new state keeps the sealed one")
        }
    }
}

extension StateStoreTests {
    @Test(arguments: StoreKind.allCases)
    func failureRecordsAreFoundByEitherReferenceAndExpire(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let flow = FlowID.random().value
            let first = FailureRecord(
                reference: "00ff00ff00ff00ff00ff00ff00ff00ff", time: now, code: "iamsmart-failed", kind: .iamSmartFailed,
                partner: "https://rp.example/sp", flowReference: flow)
            let second = FailureRecord(
                reference: flow, time: now.addingTimeInterval(5), code: "data-declined", kind: .dataDeclined, partner: "https://rp.example/sp",
                flowReference: flow)
            let other = FailureRecord(reference: "abc", time: now, code: "unknown-issuer", kind: .unknownPartner)
            try await store.recordFailure(first, expiresAt: now.addingTimeInterval(60))
            try await store.recordFailure(second, expiresAt: now.addingTimeInterval(120))
            try await store.recordFailure(other, expiresAt: now.addingTimeInterval(60))

            #expect(try await store.failures(reference: flow, now: now, limit: 10) == [second, first], "newest first, by flow reference")
            #expect(try await store.failures(reference: first.reference, now: now, limit: 10) == [first])
            #expect(try await store.failures(reference: "abc", now: now, limit: 10) == [other])
            #expect(try await store.failures(reference: flow, now: now, limit: 1) == [second])
            for hostile in ["' OR '1'='1", "%", "abc' --", "\"; DROP TABLE failure_record; --"] {
                #expect(try await store.failures(reference: hostile, now: now, limit: 10).isEmpty)
            }

            // Expired rows are neither found nor kept.
            let later = now.addingTimeInterval(90)
            #expect(try await store.failures(reference: flow, now: later, limit: 10) == [second])
            #expect(try await store.sweep(now: later) == SweepCount(failureRecords: 2))
            #expect(try await store.failures(reference: "abc", now: now, limit: 10).isEmpty, "deleted, not only hidden")
            #expect(try await store.failures(reference: flow, now: now, limit: 10) == [second])
        }
    }

    /// A store that does not answer costs the resident nothing: the recorder gives up.
    @Test func aStuckStoreDoesNotHoldUpTheFailurePage() async throws {
        let recorder = FailureRecorder(store: StuckStore(), retention: .seconds(3600), wait: .milliseconds(50))
        let written = await recorder.record(
            FailureRecord(reference: "abc", time: Date(), code: "internal", kind: .internal), logger: Logger(label: "test"))
        #expect(!written)
        let refused = await FailureRecorder(store: StuckStore(), retention: .seconds(3600)).record(
            FailureRecord(reference: "not a reference", time: Date(), code: "internal", kind: .internal), logger: Logger(label: "test"))
        #expect(!refused, "a reference of another form is not written")
    }
}

/// The IdP session Single Logout ends, on both stores.
@Suite struct IdPSessionStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: StoreKind.allCases)
    func aSessionIsEndedByExactlyOneOfConcurrentCallers(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let until = now.addingTimeInterval(3600)
            let first = SessionParticipant(relyingParty: "https://a.example/sp", nameID: "NAMEA", sessionIndex: "_a1")
            let second = SessionParticipant(relyingParty: "https://b.example/sp", nameID: "NAMEB", sessionIndex: "_b1")
            try await store.joinIdPSession(key: "idp-1", participant: first, expiresAt: until)
            try await store.joinIdPSession(key: "idp-1", participant: second, expiresAt: until)
            try await store.joinIdPSession(
                key: "idp-2", participant: SessionParticipant(relyingParty: "https://a.example/sp", nameID: "NAMEC", sessionIndex: "_a2"),
                expiresAt: until)
            let found = try #require(try await store.idpSession(sessionIndex: "_b1", now: now))
            #expect(found.key == "idp-1" && found.participant == second)
            #expect(try await store.idpSession(sessionIndex: "_none", now: now) == nil)

            // A new sign-in to the same partner replaces its part.
            let again = SessionParticipant(relyingParty: "https://a.example/sp", nameID: "NAMEA", sessionIndex: "_a3")
            try await store.joinIdPSession(key: "idp-1", participant: again, expiresAt: until)
            #expect(try await store.idpSession(sessionIndex: "_a1", now: now) == nil)
            #expect(try await store.idpSession(sessionIndex: "_a3", now: now)?.key == "idp-1")

            let ended = try await withThrowingTaskGroup(of: [SessionParticipant].self) { group in
                for _ in 0..<4 { group.addTask { try await store.endIdPSession(key: "idp-1", now: now) } }
                var results: [[SessionParticipant]] = []
                for try await participants in group { results.append(participants) }
                return results
            }
            #expect(ended.filter { !$0.isEmpty }.count == 1, "exactly one caller ends the session")
            #expect(Set(ended.flatMap { $0 }) == [again, second])
            #expect(try await store.idpSession(sessionIndex: "_b1", now: now) == nil)
            #expect(try await store.idpSession(sessionIndex: "_a2", now: now)?.key == "idp-2", "other sessions stay")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func expiredPartsAreNotFoundAndAreSwept(kind: StoreKind) async throws {
        let now = self.now
        try await kind.withStore { (store: any StateStore) async throws -> Void in
            let old = SessionParticipant(relyingParty: "https://a.example/sp", nameID: "NAMEA", sessionIndex: "_old")
            let live = SessionParticipant(relyingParty: "https://b.example/sp", nameID: "NAMEB", sessionIndex: "_live")
            try await store.joinIdPSession(key: "idp-x", participant: old, expiresAt: now.addingTimeInterval(-1))
            try await store.joinIdPSession(key: "idp-x", participant: live, expiresAt: now.addingTimeInterval(60))
            #expect(try await store.idpSession(sessionIndex: "_old", now: now) == nil)
            #expect(try await store.sweep(now: now) == SweepCount(idpSessions: 1))
            #expect(try await store.endIdPSession(key: "idp-x", now: now) == [live])
        }
    }
}
