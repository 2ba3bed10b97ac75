import Foundation
import Hummingbird
import PIAChecks

/// `/log/checkpoint` and `/log/tile/…`: the transfer log served read-only
/// per C2SP tlog-tiles, so anyone can mirror and audit it with standard
/// tooling. Entries hold pseudonyms, attribute names and keyed digests only.
/// A bundle with a redacted entry is not served (404): its bytes are gone,
/// while the hash tiles still cover it.
enum LogTileRoutes {
    static let prefix = "/log"

    static func install(on router: Router<BridgeRequestContext>, log: TransferLog) {
        router.get("\(prefix)/checkpoint") { _, _ in
            do {
                return response(.ok, Data(try await log.checkpoint().utf8), type: "text/plain; charset=utf-8", cache: "no-cache")
            } catch {
                return response(.serviceUnavailable, Data("the log cannot be read\n".utf8), type: "text/plain; charset=utf-8", cache: "no-store")
            }
        }
        router.get("\(prefix)/tile/**") { request, _ in
            let path = request.uri.path.dropFirst("\(prefix)/tile/".count)
            guard let tile = HashTiles.parse(path.split(separator: "/", omittingEmptySubsequences: false)) else {
                return response(.notFound, Data("not a tlog-tiles path\n".utf8), type: "text/plain; charset=utf-8", cache: "no-store")
            }
            do {
                let data =
                    if let level = tile.level {
                        try await log.tile(level: level, index: tile.index, width: tile.width)
                    } else {
                        try await log.entryBundle(index: tile.index, width: tile.width)
                    }
                guard let data else {
                    return response(.notFound, Data("no such tile in the signed tree\n".utf8), type: "text/plain; charset=utf-8", cache: "no-store")
                }
                // A tile of a given width never changes once the tree covers it.
                return response(.ok, data, type: "application/octet-stream", cache: "public, max-age=31536000, immutable")
            } catch TransferLogError.corrupt(let why) {
                return response(.internalServerError, Data("\(why)\n".utf8), type: "text/plain; charset=utf-8", cache: "no-store")
            } catch {
                return response(.serviceUnavailable, Data("the log cannot be read\n".utf8), type: "text/plain; charset=utf-8", cache: "no-store")
            }
        }
    }

    private static func response(_ status: HTTPResponse.Status, _ body: Data, type: String, cache: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = cache
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
