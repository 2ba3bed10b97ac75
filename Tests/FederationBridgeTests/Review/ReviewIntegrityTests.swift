import Foundation
import PIAChecks
import Testing

@testable import FederationBridge

/// The banner and the proof on the entry page, against a log that changes
/// underneath them or carries signature lines by other keys.
@Suite struct ReviewIntegrityTests {
    @Test func theBannerNeverReportsAFalseFailureWhileSignInsAppend() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 5))
        defer { fixture.remove() }
        let writer = TransferLog(store: fixture.store, signer: fixture.signer)
        let reader = ReviewLogReader(log: fixture.log)
        let statuses = try await withThrowingTaskGroup(of: [ReviewIntegrityStatus].self) { group in
            for task in 0..<3 {
                group.addTask {
                    for entry in ReviewFixture.standardEntries(count: 40) {
                        _ = try await writer.append(
                            TransferLogEntry(
                                time: entry.time, recipient: entry.recipient, purpose: entry.purpose, legalBasis: entry.legalBasis,
                                attributes: entry.attributes, checks: entry.checks, consentDigest: entry.consentDigest,
                                subjectDigest: entry.subjectDigest, assertionID: "\(entry.assertionID)-\(task)", decision: entry.decision))
                    }
                    return []
                }
            }
            group.addTask {
                var seen: [ReviewIntegrityStatus] = []
                for _ in 0..<20 { seen.append(await reader.integrity()) }
                return seen
            }
            return try await group.reduce(into: [ReviewIntegrityStatus]()) { $0 += $1 }
        }
        #expect(statuses.count == 20)
        for status in statuses {
            guard case .verified(let size, _, _) = status else {
                Issue.record("banner said \(status.message)")
                continue
            }
            #expect(size >= 5)
        }
    }

    @Test func theEntryPageNamesOnlyVerifiedSigners() async throws {
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 3))
        defer { fixture.remove() }
        let bundle = try await fixture.log.inclusionProof(seq: 1)
        var withStranger = bundle
        withStranger.checkpoint += "\u{2014} mallory.example/log \((Data([1, 2, 3, 4]) + Data(count: 64)).base64EncodedString())\n"
        let proof = try ReviewEntryPage.Proof(withStranger, verifier: fixture.log.verifier)
        #expect(proof.signer == fixture.signer.name)
        #expect(!proof.signer.contains("mallory"))

        // A failing line by the log's own key next to the good one: no proof is shown.
        var withBadLine = bundle
        withBadLine.checkpoint += "\u{2014} \(fixture.signer.name) \((fixture.signer.verifier.keyID + Data(count: 64)).base64EncodedString())\n"
        #expect(throws: (any Error).self) { try ReviewEntryPage.Proof(withBadLine, verifier: fixture.log.verifier) }
    }
}
