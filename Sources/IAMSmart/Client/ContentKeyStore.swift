import Crypto
import Foundation

/// Holds the current content encryption key and makes sure only one `getKey`
/// is in flight: concurrent callers that find the key missing share one fetch.
actor ContentKeyStore {
    struct Entry: Sendable {
        /// The key with its fetch's ID; raw bytes, since `SymmetricKey` is
        /// not `Sendable` on every platform.
        var shared: SharedContentKey
        var key: SymmetricKey { SymmetricKey(data: shared.keyBytes) }
        var usableUntil: Int64 { shared.usableUntil }
        /// Increases with every fetch, so a stale refresh does not evict a newer key.
        var generation: Int
    }

    private var entry: Entry?
    private var inFlight: Task<Entry, any Error>?
    private var generation = 0
    /// The ID of the last key iAM Smart refused, so it is not taken again
    /// from the shared store.
    private(set) var refusedKeyID: String?

    /// `fetch` is given the ID of the key last refused.
    func current(now: Int64, fetch: @escaping @Sendable (String?) async throws -> SharedContentKey) async throws -> Entry {
        if let entry, entry.usableUntil > now { return entry }
        if let inFlight { return try await inFlight.value }
        generation += 1
        let nextGeneration = generation
        let refused = refusedKeyID
        let task = Task { () async throws -> Entry in
            Entry(shared: try await fetch(refused), generation: nextGeneration)
        }
        inFlight = task
        defer { inFlight = nil }
        let fetched = try await task.value
        entry = fetched
        return fetched
    }

    /// Drops the key if it is still the one of `generation`.
    func invalidate(generation: Int) {
        guard let entry, entry.generation == generation else { return }
        refusedKeyID = entry.shared.id
        self.entry = nil
    }

    /// Removes and returns whether a key was held (for `revokeKey` at shutdown).
    func removeAll() -> Bool {
        defer { entry = nil }
        return entry != nil
    }
}
