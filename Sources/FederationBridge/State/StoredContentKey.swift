import Foundation
import IAMSmart
import Logging

/// The iAM Smart content key every instance on one store shares: one sealed
/// row beside the flows, under the flow-state key, expiring with the key.
///
/// iAM Smart keeps one key per client, so whichever instance fetched last
/// holds the live one; the row follows the newest fetch (an upsert), and an
/// instance whose key is refused fetches again unless the row already holds
/// a newer one. Instances therefore converge on one key instead of
/// replacing each other's on every call.
struct StoredContentKey: ContentKeySharing {
    /// Flow IDs are `fl-…`: this one cannot collide with a flow.
    static let rowID = "iamsmart:content-key"

    let vault: StateVault
    let logger: Logger

    func current() async -> SharedContentKey? {
        do {
            guard let data = try await vault.flow(id: Self.rowID) else { return nil }
            return try JSONDecoder().decode(SharedContentKey.self, from: data)
        } catch {
            logger.notice("shared iAM Smart content key unreadable; fetching one", metadata: ["error": "\(type(of: error))"])
            return nil
        }
    }

    func publish(_ key: SharedContentKey, replacing previous: SharedContentKey?) async {
        do {
            let expiresAt = Date(timeIntervalSince1970: Double(key.usableUntil) / 1000)
            try await vault.putFlow(id: Self.rowID, state: try JSONEncoder().encode(key), phase: "content-key", expiresAt: expiresAt)
        } catch {
            logger.notice("could not share the iAM Smart content key; other instances fetch their own", metadata: ["error": "\(type(of: error))"])
        }
    }
}
