import Foundation
import Hummingbird
import NIOCore
import SAMLMapper
import Testing

@testable import FederationBridge

/// Per-entity metadata lookups (draft-young-md-query) against a small MDQ
/// responder started here, serving pysaml2 metadata signed by xmlsec1.
@Suite(.enabled(if: ExternalToolTests.tool("xmlsec1") != nil, "xmlsec1 is installed by scripts/test.sh"))
struct MetadataQueryTests {
    /// What the responder was asked, and what it answers per entityID.
    final class Responder: @unchecked Sendable {
        private let lock = NSLock()
        private var _paths: [String] = []
        private var _accepts: [String] = []
        private var documents: [String: Data] = [:]

        var paths: [String] { lock.withLock { _paths } }
        var accepts: [String] { lock.withLock { _accepts } }

        func serve(_ entityID: String, _ document: Data) { lock.withLock { documents[entityID] = document } }

        func answer(path: String, accept: String, entityID: String) -> Data? {
            lock.withLock {
                _paths.append(path)
                _accepts.append(accept)
                return documents[entityID]
            }
        }
    }

    /// Runs the responder on a free loopback port for the duration of `body`.
    static func withResponder(_ responder: Responder, _ body: @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.get("/mdq/**") { request, _ -> Response in
            // The raw request target: the entityID is one percent-encoded path segment.
            let path = "\(request.uri)"
            let raw = path.hasPrefix("/mdq/entities/") ? String(path.dropFirst("/mdq/entities/".count)) : ""
            let entityID = raw.removingPercentEncoding ?? raw
            guard let document = responder.answer(path: path, accept: request.headers[.accept] ?? "", entityID: entityID) else {
                return Response(status: .notFound)
            }
            return Response(
                status: .ok, headers: [.contentType: "application/samlmetadata+xml"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
        let ready = ReadySignal()
        let port = PortBox()
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                port.set(channel.localAddress?.port ?? 0)
                await ready.fire()
            })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await ready.reportEnd { try await application.run() } }
            try await ready.wait()
            try await body("http://127.0.0.1:\(port.value)/mdq")
            group.cancelAll()
        }
    }

    final class PortBox: @unchecked Sendable {
        private let lock = NSLock()
        private var port = 0
        var value: Int { lock.withLock { port } }
        func set(_ value: Int) { lock.withLock { port = value } }
    }

    @Test func partnersAreLookedUpOneByOneAndCached() async throws {
        let fixtures = try FederationFixtures()
        defer { fixtures.remove() }
        let trust = try fixtures.federationKey("federation")
        _ = try fixtures.federationKey("rogue")
        let now = Date()
        let validUntil = now.addingTimeInterval(7 * 86400)
        let responder = Responder()
        responder.serve(
            FederationFixtures.oidEntityID,
            try fixtures.sign(
                try FederationFixtures.signableEntity("pysaml2-oid-sp", id: "_q1", validUntil: validUntil, cacheDuration: "PT2H"),
                keyName: "federation", element: "EntityDescriptor"))
        responder.serve(
            FederationFixtures.secondEntityID,
            try fixtures.sign(
                try FederationFixtures.signableEntity("pysaml2-second-sp", id: "_q2", validUntil: validUntil),
                keyName: "rogue", element: "EntityDescriptor"))
        let folder = fixtures.scratch.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let allowed: Set<String> = [FederationFixtures.oidEntityID, FederationFixtures.secondEntityID, "https://unknown.example.cn/sp"]

        try await Self.withResponder(responder) { base in
            let registry = try PartnerMetadataRegistry(
                directory: folder, trustCertificatePEM: trust, query: MetadataQueryClient(baseURL: base, defaultCacheDuration: 600),
                queryAllowed: { allowed.contains($0) })
            registry.reload(now: now)
            #expect(registry.readinessProblem(now: now) == nil, "no files, but the query service may supply partners")

            let found = try #require(await registry.resolve(entityID: FederationFixtures.oidEntityID, now: now))
            #expect(found.requestedAttributes.contains { $0.name == "urn:oid:2.5.4.3" })
            #expect(responder.paths == ["/mdq/entities/https%3A%2F%2Foid.partner.example.cn%2Fsp"])
            #expect(responder.accepts == ["application/samlmetadata+xml"])
            #expect(registry.serviceProvider(entityID: FederationFixtures.oidEntityID, now: now) != nil, "cached for the rest of the flow")

            // Within cacheDuration (PT2H): from the cache. After it: asked again.
            _ = await registry.resolve(entityID: FederationFixtures.oidEntityID, now: now.addingTimeInterval(3600))
            #expect(responder.paths.count == 1)
            _ = await registry.resolve(entityID: FederationFixtures.oidEntityID, now: now.addingTimeInterval(3 * 3600))
            #expect(responder.paths.count == 2)

            // Unknown to the responder (404): nothing, and no degradation.
            #expect(await registry.resolve(entityID: "https://unknown.example.cn/sp", now: now) == nil)
            // Not a recipient: not even asked.
            #expect(await registry.resolve(entityID: "https://not-a-recipient.example.cn/sp", now: now) == nil)
            #expect(responder.paths.count == 3)

            // Signed by an untrusted key: refused, and that partner alone is named.
            #expect(await registry.resolve(entityID: FederationFixtures.secondEntityID, now: now) == nil)
            let degraded = try #require(registry.degradation(now: now))
            #expect(degraded.contains(FederationFixtures.secondEntityID) && !degraded.contains(FederationFixtures.oidEntityID))
            #expect(registry.readinessProblem(now: now) == nil)

            // An answer about another entity is not an answer.
            responder.serve(
                "https://unknown.example.cn/sp",
                try fixtures.sign(
                    try FederationFixtures.signableEntity("pysaml2-oid-sp", id: "_q3", validUntil: validUntil),
                    keyName: "federation", element: "EntityDescriptor"))
            #expect(await registry.resolve(entityID: "https://unknown.example.cn/sp", now: now.addingTimeInterval(120)) == nil)
            #expect(registry.degradation(now: now)?.contains("does not describe https://unknown.example.cn/sp") == true)
        }
    }
}
