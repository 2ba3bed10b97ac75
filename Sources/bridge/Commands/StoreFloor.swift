import FederationBridge
import Foundation
import Logging
import Sandbox
import ServiceLifecycle

/// The CPU of the state store's smallest operations with the bridge's own
/// settings: one conditional state change (the statement every step that
/// moves a flow on makes) and one read of a session pointer with its flow
/// (the statement every step starts with). Measured in this process after
/// the bridges are idle: on a SQLite file of its own in the scratch folder,
/// or on the PostgreSQL database the bridges share, under keys of its own
/// that it deletes afterwards.
struct StoreFloor {
    let change: Duration
    let read: Duration
    let storeName: String

    /// The cheaper of the two: every request a flow makes the bridge serve
    /// touches the store at least once, so this times the requests is a floor.
    var cheapest: Duration { min(change, read) }

    static func measure(_ location: BridgeConfiguration.StoreLocation, scratch: URL, operations: Int) async throws -> StoreFloor {
        var logger = Logger(label: "bench.flow.store-floor")
        logger.logLevel = .error
        // A SQLite store of its own, so the bridges' file is left as it was.
        var measured = location
        if case .sqlite = location { measured = .sqlite(path: scratch.appendingPathComponent("store-floor.sqlite")) }
        let opened = try StateStoreFactory.open(measured, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for service in opened.services { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            let (change, read) = try await time(opened.store, operations: operations)
            return StoreFloor(change: change, read: read, storeName: location.kind)
        }
    }

    /// `operations` changes and as many reads on a flow whose sealed state is
    /// as large as a real one at the consent step.
    private static func time(_ store: any StateStore, operations: Int) async throws -> (change: Duration, read: Duration) {
        try await store.prepare()
        let suffix = UUID().uuidString
        let flowID = "store-floor-flow-\(suffix)"
        let pointerID = "store-floor-pointer-\(suffix)"
        let sealed = Data(repeating: 0xA5, count: 2_048)
        let expiry = Date() + 3600
        try await store.putFlow(id: flowID, sealed: sealed, phase: "a", expiresAt: expiry)
        try await store.putPointer(id: pointerID, sealed: Data(repeating: 0x5A, count: 96), flowID: flowID, expiresAt: expiry)
        let phases = ["a", "b"]
        let changeStart = HTTPFloor.ownCPUNanoseconds()
        for index in 0..<operations {
            let moved = try await store.advanceFlow(id: flowID, from: phases[index % 2], to: phases[(index + 1) % 2], sealed: sealed, now: Date())
            guard moved else { throw BrowserError("store floor: the flow did not move from \(phases[index % 2])") }
        }
        let readStart = HTTPFloor.ownCPUNanoseconds()
        for _ in 0..<operations {
            guard try await store.pointerAndFlow(id: pointerID, now: Date()) != nil else {
                throw BrowserError("store floor: the pointer was not found")
            }
        }
        let end = HTTPFloor.ownCPUNanoseconds()
        try await store.deleteFlow(id: pointerID)
        try await store.deleteFlow(id: flowID)
        let count = Int64(max(operations, 1))
        return (.nanoseconds((readStart - changeStart) / count), .nanoseconds((end - readStart) / count))
    }
}

extension BridgeConfiguration.StoreLocation {
    /// The store's name, for printed figures.
    var kind: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres: "PostgreSQL"
        }
    }
}
