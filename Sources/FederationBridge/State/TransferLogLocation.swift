import Foundation
import Logging
import PIAChecks

extension BridgeConfiguration.StoreLocation {
    /// The transfer log lives beside the state store: `transfer-log.sqlite`
    /// in the same folder, or the same PostgreSQL settings (server, schema,
    /// credentials and TLS) as the state store.
    public func openTransferLog(logger: Logger) async throws -> any TransferLogStore {
        switch self {
        case .sqlite(let path):
            return try SQLiteTransferLogStore(path: path.deletingLastPathComponent().appendingPathComponent("transfer-log.sqlite").path)
        case .postgres(let settings):
            return try await PostgresTransferLogStore.connect(settings: settings, logger: logger)
        }
    }
}
