import FederationBridge
import Foundation
import Sandbox

/// The CPU of the state store's smallest operations with the bridge's own
/// SQLite settings: one conditional state change (the statement every step
/// that moves a flow on makes) and one read of a session pointer with its
/// flow (the statement every step starts with). Measured on a store of its
/// own in the scratch folder, in this process, after the bridges are idle.
struct StoreFloor {
    let change: Duration
    let read: Duration

    /// The cheaper of the two: every request a flow makes the bridge serve
    /// touches the store at least once, so this times the requests is a floor.
    var cheapest: Duration { min(change, read) }

    /// `operations` changes and as many reads on a flow whose sealed state is
    /// as large as a real one at the consent step.
    static func measure(in folder: URL, operations: Int) async throws -> StoreFloor {
        let store = try SQLiteStateStore(path: folder.appendingPathComponent("store-floor.sqlite"))
        try await store.prepare()
        let sealed = Data(repeating: 0xA5, count: 2_048)
        let expiry = Date() + 3600
        try await store.putFlow(id: "floor-flow", sealed: sealed, phase: "a", expiresAt: expiry)
        try await store.putPointer(id: "floor-pointer", sealed: Data(repeating: 0x5A, count: 96), flowID: "floor-flow", expiresAt: expiry)
        let phases = ["a", "b"]
        let changeStart = HTTPFloor.ownCPUNanoseconds()
        for index in 0..<operations {
            let moved = try await store.advanceFlow(
                id: "floor-flow", from: phases[index % 2], to: phases[(index + 1) % 2], sealed: sealed, now: Date())
            guard moved else { throw BrowserError("store floor: the flow did not move from \(phases[index % 2])") }
        }
        let readStart = HTTPFloor.ownCPUNanoseconds()
        for _ in 0..<operations {
            guard try await store.pointerAndFlow(id: "floor-pointer", now: Date()) != nil else {
                throw BrowserError("store floor: the pointer was not found")
            }
        }
        let end = HTTPFloor.ownCPUNanoseconds()
        let count = Int64(max(operations, 1))
        return StoreFloor(change: .nanoseconds((readStart - changeStart) / count), read: .nanoseconds((end - readStart) / count))
    }
}
