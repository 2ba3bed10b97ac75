import Foundation
import PIAChecks

extension BridgeApplication {
    /// Mounts the read-only `/review` pages when reviewer accounts are
    /// configured. The pages read the flow's transfer log through a handle
    /// that holds only the verifier key, so they can never append.
    public mutating func installReview(flow: FederationFlow) throws {
        let configuration = services.configuration
        guard !configuration.reviewers.isEmpty else {
            services.logger.info("no reviewer accounts configured; /review is not served")
            return
        }
        let accounts = try ReviewAccounts(
            configuration.reviewers.map {
                ReviewAccounts.Account(username: $0.username, passwordHash: $0.passwordHash)
            })
        let auditLog = try ReviewAuditLog(fileURL: Self.reviewAuditURL(configuration.store), logger: services.logger)
        let readOnlyLog = TransferLog(store: flow.transferLog.store, verifier: flow.transferLog.verifier)
        let signIn = ReviewSignIn(store: services.store, accounts: accounts, secureCookie: configuration.session.secureCookie)
        let routes = try ReviewRoutes(
            log: readOnlyLog, policy: flow.policy, signIn: signIn, auditLog: auditLog, logger: services.logger,
            failures: services.store, failureRetention: configuration.flow.failureRetention)
        routes.register(on: router)
    }

    /// The reviewer audit trail sits beside an SQLite store; with PostgreSQL
    /// the audit lines go to the application log only.
    static func reviewAuditURL(_ store: BridgeConfiguration.StoreLocation) -> URL? {
        switch store {
        case .sqlite(let path): return path.deletingLastPathComponent().appendingPathComponent("review-audit.jsonl")
        case .postgres: return nil
        }
    }
}
