import Foundation

extension PostgresConnectionSettings {
    /// The URL parameters understood, named as libpq names them where it has one.
    public static let urlParameters = ["schema", "sslmode", "sslrootcert", "hostaddr", "connect_timeout", "pool_size"]

    /// Reads `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMETERS]`.
    ///
    /// Parameters: `schema` (default `public`), `sslmode` (`disable`, the
    /// default, `require` or `verify-full`), `sslrootcert` (the CA file for
    /// `verify-full`), `hostaddr`, `connect_timeout` (seconds) and
    /// `pool_size`. An unknown or repeated parameter is refused, so a typo
    /// cannot quietly turn TLS off. The user defaults to `postgres`, the
    /// database to the user.
    ///
    /// - Parameter baseDirectory: a relative `sslrootcert` is read from here
    ///   (the configuration file's folder); `nil` reads it from the working directory.
    public init(url text: String, baseDirectory: URL? = nil) throws(PostgresSettingsError) {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"),
            let components = URLComponents(string: text), let host = components.host, !host.isEmpty
        else {
            throw .invalid("expected postgres://USER@HOST:PORT/DATABASE?schema=NAME&sslmode=verify-full&sslrootcert=CA.pem")
        }
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard Self.urlParameters.contains(item.name) else {
                throw .invalid("unknown URL parameter \"\(item.name)\"; known: \(Self.urlParameters.joined(separator: ", "))")
            }
            guard parameters[item.name] == nil else { throw .invalid("URL parameter \"\(item.name)\" is given twice") }
            parameters[item.name] = item.value ?? ""
        }

        let authority = try parameters["sslrootcert"].map { path throws(PostgresSettingsError) in
            try CertificateAuthority(contentsOf: Self.resolve(path, against: baseDirectory))
        }
        let user = components.user ?? "postgres"
        let database = String(components.path.drop(while: { $0 == "/" }))
        try self.init(
            host: host,
            hostAddress: parameters["hostaddr"],
            port: components.port ?? Self.defaultPort,
            database: database.isEmpty ? user : database,
            schema: try SQLIdentifier(parameters["schema"] ?? Self.defaultSchema),
            user: user,
            password: components.password,
            tls: try TLSMode(name: parameters["sslmode"] ?? "disable", certificateAuthority: authority),
            connectTimeout: try parameters["connect_timeout"].map { text throws(PostgresSettingsError) in
                guard let seconds = Int(text), seconds > 0 else {
                    throw .invalid("connect_timeout \"\(text)\" is not a whole number of seconds above zero")
                }
                return .seconds(seconds)
            } ?? Self.defaultConnectTimeout,
            poolSize: try parameters["pool_size"].map { text throws(PostgresSettingsError) in
                guard let size = Int(text) else { throw .invalid("pool_size \"\(text)\" is not a whole number") }
                return size
            } ?? Self.defaultPoolSize)
    }

    private static func resolve(_ path: String, against directory: URL?) -> String {
        guard !path.hasPrefix("/"), let directory else { return path }
        return directory.appendingPathComponent(path).standardizedFileURL.path
    }
}
