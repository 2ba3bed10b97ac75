import Logging
import PostgresNIO

/// How the server sees one session: whether it is encrypted, and with which
/// protocol. Read from the server (`pg_stat_ssl`), not from our own TLS
/// settings, so a test or a start-up check learns what really happened.
public struct PostgresSessionSecurity: Sendable, Hashable {
    public var encrypted: Bool
    /// `TLSv1.3` and so on; `nil` when not encrypted.
    public var protocolVersion: String?

    public init(encrypted: Bool, protocolVersion: String?) {
        self.encrypted = encrypted
        self.protocolVersion = protocolVersion
    }

    static let query: PostgresQuery = "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"

    /// The session of one connection the client's pool lends.
    public static func read(from client: PostgresClient, logger: Logger) async throws -> Self {
        try await decode(client.query(query, logger: logger))
    }

    static func read(from connection: PostgresConnection, logger: Logger) async throws -> Self {
        try await decode(connection.query(query, logger: logger))
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> Self {
        var security = Self(encrypted: false, protocolVersion: nil)
        for try await (ssl, version) in rows.decode((Bool, String?).self) {
            security = Self(encrypted: ssl, protocolVersion: ssl ? version : nil)
        }
        return security
    }
}
