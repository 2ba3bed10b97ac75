import Foundation
import PIAChecks
import SAMLMapper
import Testing

@testable import FederationBridge

/// The whole sign-in flow with the state store and the transfer log in
/// PostgreSQL (several bridge instances share one), each run in a
/// mixed-case schema of its own that the configuration accepts and both
/// stores use: once in plain text, once over TLS with the server's
/// certificate verified.
@Suite struct PostgresFlowTests {
    @Test(.enabled(if: PostgresTestServer.baseURL != nil, "scripts/test.sh starts PostgreSQL"))
    func theFlowRunsOnPostgreSQLToo() async throws {
        try await Self.runFlow(encrypted: false)
    }

    @Test(.enabled(if: PostgresTestServer.hasTLS, "scripts/test.sh starts PostgreSQL with TLS"))
    func theFlowRunsOverVerifiedTLS() async throws {
        let ca = try #require(PostgresTestServer.caFile)
        try await Self.runFlow(encrypted: true, "sslmode=verify-full", "sslrootcert=\(ca)")
    }

    /// Two transfers and a refusal, logged and verified; then the server, not
    /// our settings, says whether both stores' sessions are encrypted.
    static func runFlow(encrypted: Bool, _ parameters: String...) async throws {
        try await PostgresTestServer.withSchema("E2E_") { schema in
            let url = try PostgresTestServer.url(schema: schema, parameters.joined(separator: "&"))
            try await FederationHarness.run(storeURL: "\"\(url)\"") { harness in
                let post = try await harness.signIn(as: "adult-basic", binding: .post)
                #expect(post.outcome?.verified == true && post.outcome?.isSuccess == true)
                let artifact = try await harness.signIn(as: "adult-plus", binding: .artifact)
                #expect(artifact.outcome?.verified == true && artifact.outcome?.isSuccess == true)
                let minor = try await harness.signIn(as: "minor-17", binding: .post)
                #expect(minor.outcome?.subStatusCode == SAMLStatus.requestDenied)
                #expect(try await harness.logEntries().map(\.decision) == ["transfer", "transfer", "refused"])
                #expect(try await harness.flow.transferLog.verify().entries == 3)

                let state = try #require(harness.services.store as? PostgresStateStore)
                let log = try #require(harness.flow.transferLog.store as? PostgresTransferLogStore)
                for security in [try await state.sessionSecurity(), try await log.sessionSecurity()] {
                    #expect(security.encrypted == encrypted)
                    #expect((security.protocolVersion?.hasPrefix("TLSv1.") == true) == encrypted)
                }
            }
        }
    }
}
