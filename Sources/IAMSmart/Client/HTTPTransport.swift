import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Signed POSTs and plain GETs over AsyncHTTPClient, with every failure mapped
/// to an ``IAMSmartError``. Never retries: the one retry the client makes (CEK
/// refresh) is decided above this layer.
struct HTTPTransport: Sendable {
    let httpClient: HTTPClient
    let baseURL: URL
    let signer: RequestSigner
    let timestamps: TimestampGenerator
    let totalTimeout: Duration
    let maximumResponseBytes: Int

    func url(_ path: String) -> String {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    /// POSTs a JSON body with the five signing headers; returns the 200 body.
    func post(_ path: String, body: Data) async throws(IAMSmartError) -> Data {
        var request = HTTPClientRequest(url: url(path))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let timestamp = String(await timestamps.next())
        for (name, value) in signer.headers(timestamp: timestamp, nonce: NonceGenerator.next(), body: body).pairs {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await execute(request, endpoint: path)
    }

    /// GET with `Accept: application/json` (used only by the redirect URI pre-flight).
    func get(_ url: String, endpoint: String) async throws(IAMSmartError) -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        do {
            let response = try await httpClient.execute(request, timeout: totalTimeout.timeAmount)
            let body = try await response.body.collect(upTo: maximumResponseBytes)
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch {
            throw Self.map(error, endpoint: endpoint, limit: totalTimeout)
        }
    }

    private func execute(_ request: HTTPClientRequest, endpoint: String) async throws(IAMSmartError) -> Data {
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: totalTimeout.timeAmount)
            body = try await response.body.collect(upTo: maximumResponseBytes)
        } catch {
            throw Self.map(error, endpoint: endpoint, limit: totalTimeout)
        }
        guard response.status == .ok else { throw .httpStatus(endpoint: endpoint, status: Int(response.status.code)) }
        return Data(body.readableBytesView)
    }

    static func map(_ error: any Error, endpoint: String, limit: Duration) -> IAMSmartError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout:
                return .timeout(endpoint: endpoint, limit: limit)
            default:
                return .connectionFailed(endpoint: endpoint, reason: "\(error)")
            }
        }
        if error is NIOTooManyBytesError {
            return .malformedResponse(endpoint: endpoint, reason: "response body too large")
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .timeout(endpoint: endpoint, limit: limit)
        }
        if error is CancellationError {
            return .connectionFailed(endpoint: endpoint, reason: "cancelled")
        }
        return .connectionFailed(endpoint: endpoint, reason: String(describing: type(of: error)))
    }
}

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
