import Foundation
import Hummingbird
import HummingbirdTesting
import PIAChecks
import Testing

@testable import FederationBridge

/// `/log/…` serves the transfer log per C2SP tlog-tiles.
@Suite struct LogTileRoutesTests {
    @Test func checkpointTilesAndBundlesAreServedAndHostilePathsRefused() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiles-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try await TransferLogStores.open(url: "sqlite:" + path)
        let signer = try TreeHeadSigner.generate(name: "tiles.test.invalid/log")
        let entries = (0..<300).map { i in
            TransferLogEntry(
                time: Date(timeIntervalSince1970: 1_790_000_000 + Double(i)), recipient: "https://rp.example/saml", purpose: "p",
                legalBasis: "consent", attributes: [], checks: [], consentDigest: "", subjectDigest: String(i), assertionID: "_\(i)",
                decision: .transfer)
        }
        let stored = try await store.append(entries, signer: signer)
        let router = Router(context: BridgeRequestContext.self)
        LogTileRoutes.install(on: router, log: TransferLog(store: store, verifier: signer.verifier))
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/log/checkpoint", method: .get) { response in
                #expect(response.status == .ok)
                let checkpoint = try signer.verifier.verify(noteText: String(buffer: response.body))
                #expect(checkpoint.size == 300)
            }
            try await client.execute(uri: "/log/tile/0/000", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/octet-stream")
                #expect(response.headers[.cacheControl]?.contains("immutable") == true)
                #expect(Data(response.body.readableBytesView) == stored[0..<256].map(\.leafHash).reduce(Data(), +))
            }
            try await client.execute(uri: "/log/tile/0/001.p/44", method: .get) { response in
                #expect(Data(response.body.readableBytesView) == stored[256..<300].map(\.leafHash).reduce(Data(), +))
            }
            try await client.execute(uri: "/log/tile/1/000.p/1", method: .get) { response in
                #expect(Data(response.body.readableBytesView) == MerkleTree.root(stored[0..<256].map(\.leafHash)[...]))
            }
            try await client.execute(uri: "/log/tile/entries/001.p/44", method: .get) { response in
                let body = Data(response.body.readableBytesView)
                let first = try #require(stored[256].body)
                #expect(body.prefix(2 + first.count) == Data([UInt8(first.count >> 8), UInt8(first.count & 0xFF)]) + first)
            }
            for missing in [
                "/log/tile/0/001", "/log/tile/0/001.p/45", "/log/tile/entries/001", "/log/tile/2/000.p/1",
                "/log/tile/0/1", "/log/tile/0/x000/000", "/log/tile/0/000.p/256", "/log/tile/../checkpoint", "/log/tile/0/000.p/",
            ] {
                try await client.execute(uri: missing, method: .get) { response in
                    #expect(response.status == .notFound, "\(missing)")
                }
            }
        }
        try await store.close()
    }
}
