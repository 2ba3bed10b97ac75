import Logging
import PostgresNIO

extension PostgresConnectionSettings {
    /// Opens one connection outside any pool, reads how the server sees it,
    /// logs that and closes it.
    ///
    /// Stores call this before they start their pool: a pool retries failed
    /// connections quietly and gives up later without the cause, while this
    /// fails at once with the reason (wrong CA file, certificate for another
    /// name, TLS off on the server, refused login). It also refuses a session
    /// the server reports as unencrypted when TLS is configured.
    @discardableResult
    public func checkConnection(logger: Logger) async throws(PostgresConnectError) -> PostgresSessionSecurity {
        let security: PostgresSessionSecurity
        do {
            security = try await readSessionSecurity(logger: logger)
        } catch {
            throw PostgresConnectError(server: description, reason: Self.reason(for: error, expectedName: host))
        }
        if tls != .disable && !security.encrypted {
            throw PostgresConnectError(server: description, reason: .sessionNotEncrypted)
        }
        logger.info(
            "PostgreSQL reachable",
            metadata: [
                "server": "\(self)", "tls": "\(security.protocolVersion ?? "none")",
            ])
        return security
    }

    private func readSessionSecurity(logger: Logger) async throws -> PostgresSessionSecurity {
        let connection = try await PostgresConnection.connect(configuration: try connectionConfiguration(), id: 0, logger: logger)
        do {
            let security = try await PostgresSessionSecurity.read(from: connection, logger: logger)
            try await connection.close()
            return security
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The operator-facing reason inside PostgresNIO's and NIOSSL's errors
    /// (PostgresNIO's own description is deliberately vague).
    static func reason(for error: any Error, expectedName: String) -> PostgresConnectError.Reason {
        switch error {
        case let error as PSQLError:
            if error.code == .sslUnsupported { return .serverOffersNoTLS }
            if error.code == .server, let info = error.serverInfo {
                return .refusedByServer(message: info[.message] ?? "no message", sqlState: info[.sqlState])
            }
            if let underlying = error.underlying { return reason(for: underlying, expectedName: expectedName) }
            return .unreachable(detail: error.code.description)
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return .hostNameMismatch(expected: expectedName)
        case NIOSSLError.handshakeFailed(let failure):
            let detail = String(describing: failure)
            if detail.contains("CERTIFICATE_VERIFY_FAILED") {
                return .untrustedCertificate(detail: "CERTIFICATE_VERIFY_FAILED")
            }
            return .unreachable(detail: "TLS handshake failed: \(detail)")
        default:
            return .unreachable(detail: String(describing: error))
        }
    }
}
