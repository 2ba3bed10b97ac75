import FederationBridge
import Foundation
import HummingbirdTesting
import PIAChecks
import Testing

/// The pages over the PostgreSQL store that several bridge instances share.
@Suite struct ReviewPostgresTests {
    /// A fresh schema on the server scripts/test.sh starts, or a recorded
    /// failure when none was given.
    static func storeURL() -> String? {
        guard let base = ProcessInfo.processInfo.environment["FB_TEST_POSTGRES_URL"], !base.isEmpty else {
            Issue.record("FB_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts a PostgreSQL server on loopback and sets it")
            return nil
        }
        let schema = "review_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        return base + (base.contains("?") ? "&" : "?") + "schema=" + schema
    }

    @Test func overviewSearchAndProofOverPostgres() async throws {
        guard let url = Self.storeURL() else { return }
        let fixture = try await ReviewFixture.make(entries: ReviewFixture.standardEntries(count: 12), storeURL: url)
        defer { fixture.remove() }
        try await fixture.withServer { client in
            let overview = try await client.get("/review").text
            #expect(overview.contains(#"class="banner ok""#))
            #expect(overview.contains("Log verified up to checkpoint 12"))
            #expect(try await client.get("/review/entries?decision=refused").text.contains("<b>3</b> entries match"))
            let proof = try await client.get("/review/entries/5/proof")
            let bundle = try JSONDecoder().decode(InclusionProofBundle.self, from: Data(proof.body.readableBytesView))
            #expect(try IndependentProofCheck.verify(bundle, publicKey: fixture.signer.verifier.publicKey, origin: "federationbridge.test/log"))
        }
        try await fixture.store.close()
    }
}
