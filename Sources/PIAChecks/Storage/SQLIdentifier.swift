/// A schema (or other object) name that every store accepts and quotes the
/// same way.
///
/// One rule everywhere, checked once when the setting is read: ASCII letters,
/// digits and `_`, not starting with a digit, at most 63 bytes (PostgreSQL's
/// limit), and not starting with `pg_` (reserved for the server's own
/// schemas). SQL text always uses the quoted form, so the name is taken
/// exactly as written: `Bridge` and `bridge` are two different schemas.
public struct SQLIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// The name as written, without quotes.
    public let name: String

    public init(_ name: String) throws(PostgresSettingsError) {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else {
            throw .invalid("schema \"\(name)\" must start with a letter or '_'")
        }
        guard name.utf8.count <= 63 else {
            throw .invalid("schema \"\(name.prefix(63))…\" is longer than 63 characters")
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw .invalid("schema \"\(name)\" may hold only letters, digits and '_'")
        }
        guard !name.lowercased().hasPrefix("pg_") else {
            throw .invalid("schema \"\(name)\" starts with pg_, which PostgreSQL reserves")
        }
        self.name = name
    }

    /// `"name"`, for SQL text.
    public var quoted: String { "\"\(name)\"" }

    /// `"name".table` for one of the store's own (lower-case, constant) table names.
    public func qualified(_ table: String) -> String { "\(quoted).\(table)" }

    public var description: String { name }
}
