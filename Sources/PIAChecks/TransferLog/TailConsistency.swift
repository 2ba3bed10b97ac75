import Foundation

/// Decides whether the stored tree extends a tree the bridge trusts (the
/// newest one it signed, or one already checked to extend it).
///
/// Starting from the trusted compact range, it appends the stored leaf
/// hashes written since, which is a consistency proof computed in place:
/// the result must be the stored tree state, and every stored tree head on
/// the way must carry the root computed there. A rollback, a deleted tail,
/// a rewritten history or a second root for a signed size fails here.
struct TailConsistency {
    let verifier: TreeHeadVerifier

    /// The stored tree, once it is shown to extend `trusted`.
    func extend(_ trusted: CompactRange, with tail: LogTail) throws -> CompactRange {
        let stored = tail.state
        guard stored.size >= trusted.size else {
            throw TransferLogError.notExtending(
                "the store holds a tree of \(stored.size) entries but this bridge signed one of \(trusted.size) (rolled back)")
        }
        var headsBySize: [Int: StoredTreeHead] = [:]
        for head in tail.heads { headsBySize[head.size] = head }
        var range = trusted
        try check(headsBySize[range.size], root: range.root)
        for (seq, hash) in tail.leafHashes where seq < stored.size {
            guard seq == range.size else {
                throw TransferLogError.notExtending("entry \(range.size) is missing from the store")
            }
            guard hash.count == 32 else { throw TransferLogError.notExtending("entry \(seq) has no valid leaf hash") }
            range.append(hash)
            try check(headsBySize[range.size], root: range.root)
        }
        guard range.size == stored.size else {
            throw TransferLogError.notExtending("entries \(range.size)–\(stored.size - 1) are missing from the store")
        }
        guard range.root == stored.root else {
            throw TransferLogError.notExtending(
                "the stored tree of \(stored.size) entries has root \(stored.root.hex), not \(range.root.hex) as the entries since the signed size \(trusted.size) give"
            )
        }
        if let beyond = tail.heads.first(where: { $0.size > stored.size }) {
            throw TransferLogError.notExtending(
                "a signed tree head of size \(beyond.size) is stored but the tree has \(stored.size) entries (tail deleted)")
        }
        return range
    }

    /// A stored head for a size must be this log's and carry the root this
    /// tree has at that size: two roots for one size is a fork.
    private func check(_ head: StoredTreeHead?, root: Data) throws {
        guard let head else { return }
        let checkpoint: Checkpoint
        do {
            checkpoint = try verifier.verify(noteText: head.note)
        } catch {
            throw TransferLogError.notExtending("the stored tree head of size \(head.size) does not verify (\(error))")
        }
        guard checkpoint.size == head.size, checkpoint.rootHash == root else {
            throw TransferLogError.notExtending(
                "the stored tree head of size \(head.size) has root \(checkpoint.rootHash.hex), but the signed history gives \(root.hex) (forked)")
        }
    }
}
