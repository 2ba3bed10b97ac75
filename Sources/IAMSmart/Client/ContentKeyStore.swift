import Crypto
import Foundation

/// Holds the current content encryption key and makes sure only one `getKey`
/// is in flight: concurrent callers that find the key missing share one fetch.
actor ContentKeyStore {
    struct Entry: Sendable {
        /// Raw key bytes; `SymmetricKey` is not `Sendable` on every platform.
        var keyBytes: Data
        var key: SymmetricKey { SymmetricKey(data: keyBytes) }
        /// Epoch ms after which the key is not used (expiry minus margin).
        var usableUntil: Int64
        /// Increases with every fetch, so a stale refresh does not evict a newer key.
        var generation: Int
    }

    private var entry: Entry?
    private var inFlight: Task<Entry, any Error>?
    private var generation = 0

    func current(now: Int64, fetch: @escaping @Sendable () async throws -> (Data, Int64)) async throws -> Entry {
        if let entry, entry.usableUntil > now { return entry }
        if let inFlight { return try await inFlight.value }
        generation += 1
        let nextGeneration = generation
        let task = Task { () async throws -> Entry in
            let (key, usableUntil) = try await fetch()
            return Entry(keyBytes: key, usableUntil: usableUntil, generation: nextGeneration)
        }
        inFlight = task
        defer { inFlight = nil }
        let fetched = try await task.value
        entry = fetched
        return fetched
    }

    /// Drops the key if it is still the one of `generation`.
    func invalidate(generation: Int) {
        if entry?.generation == generation { entry = nil }
    }

    /// Removes and returns whether a key was held (for `revokeKey` at shutdown).
    func removeAll() -> Bool {
        defer { entry = nil }
        return entry != nil
    }
}
