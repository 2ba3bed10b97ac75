import Foundation
import Logging
import PIAChecks

/// The PostgreSQL server scripts/test.sh starts on loopback: TLS on, with a
/// certificate for `localhost` and `127.0.0.1` signed by a CA it generated
/// (`FB_TEST_POSTGRES_CA`), and a second CA that signed nothing
/// (`FB_TEST_POSTGRES_OTHER_CA`). It also listens on an address its
/// certificate does not carry (`FB_TEST_POSTGRES_UNNAMED_ADDRESS`), where
/// only a name can match. Plain connections are allowed too.
enum PostgresTestServer {
    private static let environment = ProcessInfo.processInfo.environment

    static let baseURL = environment["FB_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let caFile = environment["FB_TEST_POSTGRES_CA"].flatMap { $0.isEmpty ? nil : $0 }
    static let otherCAFile = environment["FB_TEST_POSTGRES_OTHER_CA"].flatMap { $0.isEmpty ? nil : $0 }
    static let unnamedAddress = environment["FB_TEST_POSTGRES_UNNAMED_ADDRESS"].flatMap { $0.isEmpty ? nil : $0 }

    /// Whether the TLS tests can run; they are skipped without the server.
    static var hasTLS: Bool { baseURL != nil && caFile != nil && otherCAFile != nil && unnamedAddress != nil }

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "FB_TEST_POSTGRES_URL or another FB_TEST_POSTGRES_… variable is not set: run scripts/test.sh"
        }
    }

    /// A schema name no other test uses; mixed case on purpose, since every
    /// store must keep it exactly.
    static func freshSchema(_ prefix: String) -> String {
        prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16)
    }

    /// The test server's URL, optionally under another host name, reached at
    /// the address the certificate does not carry (so the name decides).
    static func url(host: String? = nil, schema: String, _ parameters: String...) throws -> String {
        guard let baseURL, var components = URLComponents(string: baseURL) else { throw Missing() }
        var items = components.queryItems ?? []
        if let host {
            guard let unnamedAddress else { throw Missing() }
            components.host = host
            items.append(URLQueryItem(name: "hostaddr", value: unnamedAddress))
        }
        items.append(URLQueryItem(name: "schema", value: schema))
        components.queryItems = items
        guard let text = components.string else { throw Missing() }
        return ([text] + parameters.filter { !$0.isEmpty }).joined(separator: "&")
    }

    static func settings(host: String? = nil, schema: String, _ parameters: String...) throws -> PostgresConnectionSettings {
        try PostgresConnectionSettings(url: url(host: host, schema: schema, parameters.joined(separator: "&")))
    }

    /// Runs `body` with a fresh schema name, then drops that schema.
    static func withSchema(_ prefix: String, _ body: (String) async throws -> Void) async throws {
        let schema = freshSchema(prefix)
        do {
            try await body(schema)
        } catch {
            await dropSchema(schema)
            throw error
        }
        await dropSchema(schema)
    }

    /// Drops a test's schema (and everything in it) over a plain connection.
    static func dropSchema(_ schema: String) async {
        guard let settings = try? settings(schema: schema),
            let store = try? await PostgresTransferLogStore.connect(settings: settings, logger: quietLogger)
        else { return }
        try? await store.dropSchema()
        try? await store.close()
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "test.postgres")
        logger.logLevel = .critical
        return logger
    }
}
