import Foundation
import Logging
import ServiceLifecycle

/// Opens the store the configuration names.
public enum StateStoreFactory {
    /// The store and the services that must run while it is used (the
    /// PostgreSQL connection pool); call `prepare()` once they run.
    public static func open(
        _ location: BridgeConfiguration.StoreLocation, logger: Logger
    ) throws -> (store: any StateStore, services: [any Service]) {
        switch location {
        case .sqlite(let path):
            return (try SQLiteStateStore(path: path), [])
        case .postgres(let postgres):
            let store = try PostgresStateStore(settings: postgres, logger: logger)
            return (store, [store])
        }
    }
}
