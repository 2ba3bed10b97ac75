import Foundation

/// A re-check of everything a log has already signed, in chunks, for a
/// running bridge.
///
/// The append guard checks only the tail after the last checkpoint this log
/// signed, and incremental verification only what came after the last
/// verified one: an insider who edits an entry in the middle of the log, one
/// of its columns, or a hash tile that proofs are built from, is found by
/// neither. The audit walks the whole signed tree again: every row checked
/// as `verify` checks it, every hash tile recomputed from the leaves, and
/// the leaves' root compared with the signed one. Entries below a signed
/// size never change legitimately (redaction keeps the leaf hash), so no
/// snapshot is needed and appends go on meanwhile.
struct LogAudit: Sendable {
    let store: any TransferLogStore
    /// Rows read per step; a multiple of the tile width keeps tile reads aligned.
    let chunkSize: Int

    init(store: any TransferLogStore, chunkSize: Int) {
        self.store = store
        self.chunkSize = max(HashTiles.width, chunkSize / HashTiles.width * HashTiles.width)
    }

    /// Checks entries `0..<size` and their tiles against the signed `root`,
    /// sleeping `pause` between chunks; throws the first problem found.
    /// Returns the verified tree. Memory stays at one chunk whatever the size.
    @discardableResult
    func run(size: Int, root: Data, pause: Duration) async throws -> CompactRange {
        let target = (size: size, root: root)
        var range = CompactRange()
        while range.size < target.size {
            let first = range.size
            let records = try await store.records(from: first, limit: min(chunkSize, target.size - first))
            guard !records.isEmpty else {
                throw LogVerificationError(entry: first, problem: "missing: the signed tree covers \(target.size) entries")
            }
            var expected: [TileID: [(position: Int, hash: Data)]] = [:]
            for (offset, record) in records.enumerated() {
                _ = try LogVerifier.check(record, at: first + offset)
                range.append(record.leafHash) { height, index, hash in
                    guard height % HashTiles.height == 0 else { return }
                    let tile = TileID(level: height / HashTiles.height, index: index >> HashTiles.height)
                    expected[tile, default: []].append((index & (HashTiles.width - 1), hash))
                }
            }
            try await checkTiles(expected)
            if pause > .zero, target.size > range.size { try await Task.sleep(for: pause) }
        }
        guard range.root == target.root else {
            throw LogVerificationError(
                entry: nil,
                problem:
                    "entries 0–\(target.size - 1) no longer hash to the signed root of size \(target.size) (an entry rewritten with its leaf hash)")
        }
        return range
    }

    /// Every stored hash a proof could be built from must be the one the leaves give.
    private func checkTiles(_ expected: [TileID: [(position: Int, hash: Data)]]) async throws {
        let stored = try await store.tiles(Set(expected.keys))
        for (tile, hashes) in expected.sorted(by: { $0.key < $1.key }) {
            let data = stored[tile] ?? Data()
            for (position, hash) in hashes {
                let start = data.startIndex + position * 32
                guard data.count >= (position + 1) * 32, data[start..<(start + 32)] == hash else {
                    let node = tile.index * HashTiles.width + position
                    throw LogVerificationError(
                        entry: tile.level == 0 ? node : nil,
                        problem:
                            "hash tile \(HashTiles.path(tile, width: nil)) position \(position) (node \(node) at height \(tile.level * HashTiles.height)) differs from the hash of the stored entries"
                    )
                }
            }
        }
    }
}
