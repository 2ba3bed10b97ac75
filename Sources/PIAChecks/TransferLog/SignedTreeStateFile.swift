import Foundation

/// The newest tree this bridge signed, kept in a small file outside the
/// database (beside the tree-head key), so someone who can write the
/// database alone cannot roll the log back or fork it unnoticed.
///
/// The file holds the signed checkpoint and the compact range of that tree:
/// the checkpoint proves the bridge signed it, the range lets the next
/// append check in O(entries since) that the stored tail extends it.
public struct SignedTreeStateFile: Sendable {
    public let url: URL

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

    /// `nil` when the file does not exist yet; throws when it exists but is
    /// unreadable, not signed by `verifier`, or its range does not hash to
    /// the signed root.
    public func load(verifier: TreeHeadVerifier) throws -> State? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let stored = try JSONDecoder().decode(Stored.self, from: Data(contentsOf: url))
            let checkpoint = try verifier.verify(noteText: stored.checkpoint)
            let tree = try CompactRange(size: checkpoint.size, hashes: stored.frontier)
            guard tree.root == checkpoint.rootHash else {
                throw TransferLogError.corrupt("its tree state does not hash to the signed root")
            }
            return State(checkpoint: stored.checkpoint, tree: tree)
        } catch {
            throw TransferLogError.corrupt("signed checkpoint file \(url.path) is unusable: \(error)")
        }
    }

    /// Replaces the file atomically and durably: a temporary file, fsync,
    /// rename, fsync of the folder.
    public func save(_ state: State) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(Stored(checkpoint: state.checkpoint, frontier: state.tree.hashes))
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
        do {
            guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw TransferLogError.storeUnavailable("cannot write \(temporary.path)")
            }
            try Self.sync(temporary.path)
            guard rename(temporary.path, url.path) == 0 else {
                throw TransferLogError.storeUnavailable("cannot replace \(url.path) (errno \(errno))")
            }
            try Self.sync(folder.path)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    private static func sync(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw TransferLogError.storeUnavailable("cannot open \(path) to sync (errno \(errno))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw TransferLogError.storeUnavailable("cannot sync \(path) (errno \(errno))") }
    }
}
