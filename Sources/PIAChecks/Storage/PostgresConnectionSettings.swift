import Foundation
import PostgresNIO

/// How to reach the PostgreSQL server that several bridge instances share.
///
/// Read once (from the configuration file, or a `postgres://` URL on the
/// command line) and handed to every store, so the state store and the
/// transfer log use the same address, credentials, schema rule and TLS.
/// Invalid values are refused when the setting is made, not at first use.
public struct PostgresConnectionSettings: Sendable, Hashable, CustomStringConvertible {
    /// Whether and how connections are encrypted.
    public enum TLSMode: Sendable, Hashable, CustomStringConvertible {
        /// Plain TCP. Only for a server on the same host or a private link.
        case disable
        /// Encrypted, but the server is not authenticated: protects against
        /// eavesdropping, not against someone posing as the server.
        case require
        /// Encrypted; the certificate must chain to this CA and name the host.
        case verifyFull(CertificateAuthority)

        public static let names = ["disable", "require", "verify-full"]

        /// - Parameter certificateAuthority: required by `verify-full`, refused otherwise.
        public init(name: String, certificateAuthority: CertificateAuthority?) throws(PostgresSettingsError) {
            switch (name, certificateAuthority) {
            case ("disable", nil): self = .disable
            case ("require", nil): self = .require
            case ("verify-full", let authority?): self = .verifyFull(authority)
            case ("verify-full", nil):
                throw .invalid("TLS mode verify-full needs a CA file (the certificate that signed the server's)")
            case ("disable", _), ("require", _):
                throw .invalid("a CA file is used only with TLS mode verify-full, not \(name)")
            default:
                throw .invalid("unknown TLS mode \"\(name)\"; use disable, require or verify-full")
            }
        }

        public var name: String {
            switch self {
            case .disable: "disable"
            case .require: "require"
            case .verifyFull: "verify-full"
            }
        }

        public var description: String {
            switch self {
            case .disable, .require: name
            case .verifyFull(let authority): "verify-full, CA \(authority.path)"
            }
        }
    }

    /// The certificates trusted for `verify-full`, read from their PEM file
    /// when the setting is made. Only these are trusted: the system's
    /// certificate store plays no part.
    public struct CertificateAuthority: Sendable, Hashable {
        public let path: String
        public let pem: String

        public init(path: String, pem: String) throws(PostgresSettingsError) {
            guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)), !certificates.isEmpty else {
                throw .invalid("CA file \(path) holds no PEM certificate")
            }
            self.path = path
            self.pem = pem
        }

        public init(contentsOf path: String) throws(PostgresSettingsError) {
            guard let data = FileManager.default.contents(atPath: path), let pem = String(data: data, encoding: .utf8) else {
                throw .invalid("cannot read the CA file \(path)")
            }
            try self.init(path: path, pem: pem)
        }

        func certificates() throws -> [NIOSSLCertificate] {
            try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
        }
    }

    /// The server's name: where to connect, and the name its certificate must carry.
    public var host: String
    /// An IP address to connect to instead of looking `host` up; `host` is
    /// still the name the certificate must carry (libpq's `hostaddr`).
    public var hostAddress: String?
    public var port: Int
    public var database: String
    /// Holds the store's tables; created when missing.
    public var schema: SQLIdentifier
    public var user: String
    public var password: String?
    public var tls: TLSMode
    public var connectTimeout: Duration
    /// Most connections one store keeps open (each bridge instance runs two
    /// stores: state and transfer log).
    public var poolSize: Int

    public static let defaultPort = 5432
    public static let defaultSchema = "public"
    public static let defaultConnectTimeout: Duration = .seconds(5)
    public static let defaultPoolSize = 10
    public static let poolSizes = 1...200

    public init(
        host: String, hostAddress: String? = nil, port: Int = PostgresConnectionSettings.defaultPort, database: String,
        schema: SQLIdentifier, user: String, password: String?, tls: TLSMode,
        connectTimeout: Duration = PostgresConnectionSettings.defaultConnectTimeout,
        poolSize: Int = PostgresConnectionSettings.defaultPoolSize
    ) throws(PostgresSettingsError) {
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw .invalid("host \"\(host)\" is not a host name or address")
        }
        if let hostAddress {
            guard IPAddressText.isLiteral(hostAddress) else {
                throw .invalid("host address \"\(hostAddress)\" must be an IPv4 or IPv6 address")
            }
            guard !IPAddressText.isLiteral(host) else {
                throw .invalid("a host address is given with a host name only (the name the certificate carries), not with host \(host)")
            }
        }
        guard (1...65535).contains(port) else { throw .invalid("port \(port) is not between 1 and 65535") }
        guard !database.isEmpty else { throw .invalid("database name is empty") }
        guard !user.isEmpty else { throw .invalid("user name is empty") }
        guard connectTimeout > .zero else { throw .invalid("connect timeout must be more than zero") }
        guard Self.poolSizes.contains(poolSize) else {
            throw .invalid("pool size \(poolSize) is not between \(Self.poolSizes.lowerBound) and \(Self.poolSizes.upperBound)")
        }
        self.host = host
        self.hostAddress = hostAddress
        self.port = port
        self.database = database
        self.schema = schema
        self.user = user
        self.password = password
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.poolSize = poolSize
    }

    /// The server as messages name it; never the password.
    public var description: String {
        let address = hostAddress.map { " at \($0)" } ?? ""
        return "postgres://\(user)@\(host):\(port)/\(database)?schema=\(schema) (tls \(tls)\(address))"
    }

    // MARK: PostgresNIO configuration

    /// The pool's configuration; every connection it opens uses the TLS mode.
    public func clientConfiguration() throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            if let tlsConfiguration = try tlsConfiguration() {
                .require(tlsConfiguration)
            } else {
                .disable
            }
        var configuration = PostgresClient.Configuration(
            host: hostAddress ?? host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = connectTimeout
        configuration.options.tlsServerName = tlsServerName
        configuration.options.maximumConnections = poolSize
        return configuration
    }

    /// One connection's configuration, for the start-up check outside the pool.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            if let tlsConfiguration = try tlsConfiguration() {
                .require(try NIOSSLContext(configuration: tlsConfiguration))
            } else {
                .disable
            }
        var configuration = PostgresConnection.Configuration(
            host: hostAddress ?? host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = TimeAmount(connectTimeout)
        configuration.options.tlsServerName = tlsServerName
        return configuration
    }

    /// With a host address, the certificate is checked against `host`; else
    /// PostgresNIO uses `host` itself (or, for an IP, its address SANs).
    private var tlsServerName: String? {
        hostAddress == nil ? nil : host
    }

    private func tlsConfiguration() throws -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .disable:
            return nil
        case .require:
            configuration.certificateVerification = .none
        case .verifyFull(let authority):
            configuration.certificateVerification = .fullVerification
            configuration.trustRoots = .certificates(try authority.certificates())
        }
        return configuration
    }
}

/// Recognises IP address literals without a name lookup.
enum IPAddressText {
    static func isLiteral(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return text.withCString { inet_pton(AF_INET, $0, &v4) == 1 || inet_pton(AF_INET6, $0, &v6) == 1 }
    }
}
