import Foundation

/// The newest tree this bridge signed, kept in a small file outside the
/// database (beside the tree-head key), so someone who can write the
/// database alone cannot roll the log back or fork it unnoticed.
///
/// The file holds the signed checkpoint and the compact range of that tree:
/// the checkpoint proves the bridge signed it, the range lets the next
/// append check in O(entries since) that the stored tail extends it.
///
/// It has two fixed-size slots written in place, alternately by tree size,
/// so a torn write leaves the other, older slot readable. A save is one
/// `pwrite` without `fsync` (the file is created and synced once): after a
/// power failure it may be a few batches behind the database, which the log
/// then accepts only after checking the entries written since.
public struct SignedTreeStateFile: Sendable {
    public let url: URL
    /// Room for a checkpoint with cosignatures and 64 frontier hashes.
    static let slotSize = 16 * 1024

    public init(url: URL) {
        self.url = url
    }

    /// The checkpoint and its tree, checked against `verifier`.
    public struct State: Sendable, Hashable {
        public var checkpoint: String
        public var tree: CompactRange
    }

    private struct Stored: Codable {
        var checkpoint: String
        var frontier: [Data]
    }

    /// The newest readable slot; `nil` when the file does not exist yet.
    /// Throws when it exists but no slot holds a checkpoint signed by
    /// `verifier` whose range hashes to the signed root.
    public func load(verifier: TreeHeadVerifier) throws -> State? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let data = try Data(contentsOf: url)
            var newest: State?
            for offset in stride(from: 0, to: data.count, by: Self.slotSize) {
                let slot = data[offset..<min(data.count, offset + Self.slotSize)].prefix { $0 != 0 }
                // A torn write leaves a slot that is not JSON: the other slot serves.
                guard let stored = try? JSONDecoder().decode(Stored.self, from: Data(slot)) else { continue }
                let state = try Self.verified(stored, verifier: verifier)
                if state.tree.size >= newest?.tree.size ?? 0 { newest = state }
            }
            guard let newest else { throw TransferLogError.corrupt("it holds no readable checkpoint") }
            return newest
        } catch {
            throw TransferLogError.corrupt("signed checkpoint file \(url.path) is unusable: \(error)")
        }
    }

    /// A slot that reads but is not signed by `verifier`, or whose range does
    /// not give the signed root, was written by someone else: refuse.
    private static func verified(_ stored: Stored, verifier: TreeHeadVerifier) throws -> State {
        let checkpoint = try verifier.verify(noteText: stored.checkpoint)
        let tree = try CompactRange(size: checkpoint.size, hashes: stored.frontier)
        guard tree.root == checkpoint.rootHash else {
            throw TransferLogError.corrupt("its tree state does not hash to the signed root")
        }
        return State(checkpoint: stored.checkpoint, tree: tree)
    }

    /// Writes `state` into the slot of its size's parity; creates the file
    /// (and syncs it and its folder) on first use.
    public func save(_ state: State) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var slot = try encoder.encode(Stored(checkpoint: state.checkpoint, frontier: state.tree.hashes))
        guard slot.count < Self.slotSize else { throw TransferLogError.corrupt("checkpoint state over \(Self.slotSize) bytes") }
        // A zero byte ends the slot; what an older, longer state left after it is ignored.
        slot.append(0)
        let created = !FileManager.default.fileExists(atPath: url.path)
        let descriptor = open(url.path, O_WRONLY | O_CREAT, 0o600)
        guard descriptor >= 0 else { throw TransferLogError.storeUnavailable("cannot open \(url.path) (errno \(errno))") }
        defer { close(descriptor) }
        let offset = off_t((state.tree.size % 2) * Self.slotSize)
        let written = slot.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, offset) }
        guard written == slot.count else { throw TransferLogError.storeUnavailable("cannot write \(url.path) (errno \(errno))") }
        if created {
            guard fsync(descriptor) == 0 else { throw TransferLogError.storeUnavailable("cannot sync \(url.path) (errno \(errno))") }
            try Self.sync(folder: url.deletingLastPathComponent().path)
        }
    }

    private static func sync(folder: String) throws {
        let descriptor = open(folder, O_RDONLY)
        guard descriptor >= 0 else { throw TransferLogError.storeUnavailable("cannot open \(folder) to sync (errno \(errno))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw TransferLogError.storeUnavailable("cannot sync \(folder) (errno \(errno))") }
    }
}
