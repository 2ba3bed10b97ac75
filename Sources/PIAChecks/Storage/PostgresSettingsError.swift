/// A PostgreSQL connection setting that cannot be used, found when the
/// setting is read, before any connection is tried.
public enum PostgresSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let why): why
        }
    }
}
