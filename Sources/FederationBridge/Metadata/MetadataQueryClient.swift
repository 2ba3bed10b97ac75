import AsyncHTTPClient
import Foundation
import NIOCore
import SAMLMapper

/// Per-entity metadata lookup over the Metadata Query protocol
/// (draft-young-md-query): `GET {base}/entities/{entityID, percent-encoded}`
/// with `Accept: application/samlmetadata+xml`. The answer is checked like
/// any other metadata (signature, `validUntil`) by the registry.
public struct MetadataQueryClient: Sendable {
    /// Why a lookup did not produce a document.
    public struct QueryError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let baseURL: String
    /// How long an answer is used when it carries no `cacheDuration`.
    public let defaultCacheDuration: TimeInterval
    public let timeout: Duration
    private let httpClient: HTTPClient

    public init(baseURL: String, defaultCacheDuration: TimeInterval = 3600, timeout: Duration = .seconds(10), httpClient: HTTPClient = .shared) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.defaultCacheDuration = defaultCacheDuration
        self.timeout = timeout
        self.httpClient = httpClient
    }

    /// The protocol's request URL: every octet but the unreserved ones is percent-encoded (RFC 3986 §2.3).
    public func url(for entityID: String) -> String {
        baseURL + "/entities/" + RedirectBinding.percentEncode(entityID)
    }

    /// The metadata document for `entityID`, or `nil` when the responder does not know it (404).
    public func fetch(entityID: String, maximumBytes: Int = FederationMetadata.limits.maxBytes) async throws -> Data? {
        var request = HTTPClientRequest(url: url(for: entityID))
        request.headers.add(name: "Accept", value: "application/samlmetadata+xml")
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            body = try await response.body.collect(upTo: maximumBytes)
        } catch {
            throw QueryError(description: "metadata query to \(baseURL) failed: \(error)")
        }
        if response.status == .notFound { return nil }
        guard response.status == .ok else {
            throw QueryError(description: "metadata query to \(baseURL) answered HTTP \(response.status.code)")
        }
        return Data(body.readableBytesView)
    }
}
