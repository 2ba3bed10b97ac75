import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request the HTTP parser gave up on with a refusal that carries
/// `FB-Error`, like every other refusal, instead of the server's bare 400.
///
/// The HTTP layer stops reading at 80 KiB of request line and header fields,
/// so an HTTP-Redirect AuthnRequest with a longer URL never reaches a route.
/// Nothing was read into the service, so nothing changed; the connection
/// closes after the answer.
final class UnparsableRequestResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        let (status, detail) = Self.refusal(for: parserError)
        let body = ByteBuffer(string: "\(FlowError.Code.malformedRequest.rawValue): \(detail)\n")
        var fields = HTTPFields()
        fields[.contentType] = "text/plain; charset=utf-8"
        fields[.contentLength] = String(body.readableBytes)
        fields[.cacheControl] = "no-store"
        fields[.connection] = "close"
        if let name = HTTPField.Name(FlowError.header) {
            fields[name] = FlowError.Code.malformedRequest.rawValue
        }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// The status and operator line for what the parser refused.
    static func refusal(for error: HTTPParserError) -> (HTTPResponse.Status, String) {
        switch error {
        case .headerOverflow:
            return (.uriTooLong, "the request line and header fields exceed 80 KiB; a SAML message this large must use the HTTP-POST binding")
        default:
            return (.badRequest, "the HTTP request could not be parsed (\(error))")
        }
    }
}
