import Crypto
import Foundation

/// Encrypts flow state and artifacts before they reach the store.
///
/// AES-256-GCM under the configured flow-state key, with a fresh random
/// nonce per write and the record's identifier (prefixed by its kind) as
/// associated data, so a sealed blob copied under another ID, or changed in
/// any bit, fails to open instead of yielding someone else's state.
public struct StateVault: Sendable {
    public let store: any StateStore
    /// Bytes, because `SymmetricKey` is not `Sendable` in this swift-crypto release.
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(store: any StateStore, key: SymmetricKey) {
        self.store = store
        self.keyBytes = key.withUnsafeBytes { Data($0) }
    }

    public func putFlow(id: String, state: Data, phase: String = "", expiresAt: Date) async throws {
        try await store.putFlow(id: id, sealed: seal(state, context: "flow:\(id)"), phase: phase, expiresAt: expiresAt)
    }

    /// Moves the flow from phase `from` to `to` in one statement, re-sealing
    /// `state` when given; `false` when another request got there first.
    public func advanceFlow(id: String, from: String, to: String, state: Data?, now: Date = Date()) async throws -> Bool {
        try await store.advanceFlow(
            id: id, from: from, to: to, sealed: try state.map { try seal($0, context: "flow:\(id)") }, now: now)
    }

    /// The flow's state, or `nil` when absent or expired.
    /// Throws `StateVaultError.cannotOpen` when the stored bytes were altered.
    public func flow(id: String, now: Date = Date()) async throws -> Data? {
        guard let sealed = try await store.flow(id: id, now: now) else { return nil }
        return try open(sealed, context: "flow:\(id)")
    }

    /// Stores a session's pointer and the flow ID it names (see `StateStore.putPointer`).
    public func putPointer(id: String, state: Data, flowID: String, expiresAt: Date) async throws {
        try await store.putPointer(id: id, sealed: seal(state, context: "flow:\(id)"), flowID: flowID, expiresAt: expiresAt)
    }

    /// The pointer's state, the flow ID stored beside it and that flow's
    /// state, opened under their own IDs. The clear flow ID is not trusted:
    /// the caller checks it against the flow the opened pointer names.
    public func pointerAndFlow(id: String, now: Date = Date()) async throws -> (pointer: Data, flowID: String?, flow: Data?)? {
        guard let stored = try await store.pointerAndFlow(id: id, now: now) else { return nil }
        let flow = try stored.flowID.flatMap { flowID in try stored.flow.map { try open($0, context: "flow:\(flowID)") } }
        return (try open(stored.sealed, context: "flow:\(id)"), stored.flowID, flow)
    }

    public func deleteFlow(id: String) async throws {
        try await store.deleteFlow(id: id)
    }

    public func putArtifact(handle: String, payload: Data, expiresAt: Date) async throws {
        try await store.putArtifact(
            handle: handle, payload: seal(payload, context: "artifact:\(handle)"), expiresAt: expiresAt)
    }

    /// Resolves an artifact once: the row is deleted as it is read.
    public func takeArtifact(handle: String, now: Date = Date()) async throws -> Data? {
        guard let sealed = try await store.takeArtifact(handle: handle, now: now) else { return nil }
        return try open(sealed, context: "artifact:\(handle)")
    }

    func seal(_ plaintext: Data, context: String) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw StateVaultError.cannotSeal }
        return combined
    }

    func open(_ sealed: Data, context: String) throws -> Data {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return try AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
        } catch {
            throw StateVaultError.cannotOpen
        }
    }
}

public enum StateVaultError: Error, Sendable, CustomStringConvertible {
    case cannotSeal
    case cannotOpen

    public var description: String {
        switch self {
        case .cannotSeal:
            "cannot encrypt state for storage"
        case .cannotOpen:
            "stored state failed authentication (altered, moved to another ID, or sealed under another flow-state key)"
        }
    }
}
