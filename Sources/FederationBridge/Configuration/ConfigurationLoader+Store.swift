import Foundation
import PIAChecks

extension ConfigurationLoader {
    /// `store.url` (`sqlite:PATH` or a `postgres://` URL), or the PostgreSQL
    /// settings one key each under `store.postgres`. Both PostgreSQL forms
    /// make the same `PostgresConnectionSettings`, which every store uses.
    static func readStore(_ r: ConfigurationReader) -> BridgeConfiguration.StoreLocation? {
        if r.node("store.postgres") != nil {
            if r.node("store.url") != nil {
                r.fail("store.url", "give either store.url or store.postgres, not both")
                return nil
            }
            return readPostgres(r).map { .postgres($0) }
        }
        guard let text = r.string("store.url", default: "sqlite:var/bridge.sqlite") else { return nil }
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else {
                r.fail("store.url", "sqlite: needs a file path, e.g. sqlite:var/bridge.sqlite")
                return nil
            }
            return .sqlite(path: r.path(path))
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            r.fail("store.url", "expected sqlite:PATH or postgres://USER@HOST:PORT/DATABASE, or settings under store.postgres")
            return nil
        }
        do {
            return .postgres(try PostgresConnectionSettings(url: text, baseDirectory: r.baseDirectory))
        } catch {
            r.fail("store.url", "\(error)")
            return nil
        }
    }

    private static func readPostgres(_ r: ConfigurationReader) -> PostgresConnectionSettings? {
        let key = "store.postgres"
        let host = r.string("\(key).host")
        let hostAddress = r.optionalString("\(key).hostAddress")
        let port = r.int("\(key).port", default: PostgresConnectionSettings.defaultPort, range: 1...65535)
        let database = r.string("\(key).database")
        let schemaName = r.string("\(key).schema", default: PostgresConnectionSettings.defaultSchema)
        let user = r.string("\(key).user")
        if let written = r.node("\(key).password")?.scalar?.string, !written.hasPrefix("env:") {
            r.fail("\(key).password", "write env:NAME and set the environment variable NAME, so the password stays out of the file")
        }
        let password = r.optionalString("\(key).password")
        let tlsName = r.string("\(key).tls")
        let caFile = r.pemFile("\(key).caFile", labels: certificateLabels, required: false)
        let connectTimeout = r.duration("\(key).connectTimeout", default: PostgresConnectionSettings.defaultConnectTimeout)
        let poolSize = r.int(
            "\(key).poolSize", default: PostgresConnectionSettings.defaultPoolSize, range: PostgresConnectionSettings.poolSizes)

        var schema: SQLIdentifier?
        do {
            schema = try schemaName.map { name throws(PostgresSettingsError) in try SQLIdentifier(name) }
        } catch {
            r.fail("\(key).schema", "\(error)")
        }
        var authority: PostgresConnectionSettings.CertificateAuthority?
        if let caFile {
            do {
                authority = try PostgresConnectionSettings.CertificateAuthority(path: caFile.path.path, pem: caFile.pem)
            } catch {
                r.fail("\(key).caFile", "\(error)")
            }
        }
        var tls: PostgresConnectionSettings.TLSMode?
        // A CA file named but unusable is reported above, not again as a missing one.
        if let tlsName, authority != nil || r.node("\(key).caFile") == nil {
            do {
                tls = try PostgresConnectionSettings.TLSMode(name: tlsName, certificateAuthority: authority)
            } catch {
                r.fail("\(key).tls", "\(error)")
            }
        }
        guard let host, let database, let schema, let user, let tls else { return nil }
        do {
            return try PostgresConnectionSettings(
                host: host, hostAddress: hostAddress, port: port, database: database, schema: schema, user: user,
                password: password, tls: tls, connectTimeout: connectTimeout, poolSize: poolSize)
        } catch {
            r.fail(key, "\(error)")
            return nil
        }
    }
}
