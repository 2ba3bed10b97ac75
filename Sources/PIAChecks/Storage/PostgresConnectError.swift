/// A PostgreSQL server that could not be reached as configured, with the
/// reason an operator can act on (wrong CA file, certificate issued for
/// another name, TLS off on the server, refused login, …).
public struct PostgresConnectError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// The certificate chain does not lead to the configured CA (or is expired, or malformed).
        case untrustedCertificate(detail: String)
        /// The certificate is valid but issued for other names than the one expected.
        case hostNameMismatch(expected: String)
        /// TLS is required but the server answered that it does not offer it.
        case serverOffersNoTLS
        /// TLS is configured but the server reports the session as unencrypted.
        case sessionNotEncrypted
        /// The server refused the session (login, database, `pg_hba.conf`).
        case refusedByServer(message: String, sqlState: String?)
        /// No session: the address, port or network failed, or the connect timeout passed.
        case unreachable(detail: String)

        public var description: String {
            switch self {
            case .untrustedCertificate(let detail):
                "the server's certificate does not verify against the configured CA file (\(detail))"
            case .hostNameMismatch(let expected):
                "the server's certificate is not issued for \(expected) (host name mismatch)"
            case .serverOffersNoTLS:
                "the server does not offer TLS (set ssl = on in postgresql.conf, or choose tls: disable)"
            case .sessionNotEncrypted:
                "the server reports the session as unencrypted although TLS is configured"
            case .refusedByServer(let message, let sqlState):
                "the server refused the session: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
            case .unreachable(let detail):
                "no connection (\(detail))"
            }
        }
    }

    /// The server as configured, without the password.
    public var server: String
    public var reason: Reason

    public init(server: String, reason: Reason) {
        self.server = server
        self.reason = reason
    }

    public var description: String { "cannot connect to PostgreSQL \(server): \(reason)" }
}
