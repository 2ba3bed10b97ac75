import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import Synchronization

/// Gives every request a deadline. PostgreSQL's client waits for a
/// connection for as long as the server is away; without a deadline a
/// resident's step would hang, and finish (a transfer nobody receives) when
/// the database returns. Past the deadline the step is cancelled, its
/// statements roll back, and the browser gets 503 with `FB-Error: busy`.
///
/// The deadline is a timer on the event loop that cancels the step's task.
/// A sleeping task per request would cost a dispatch timer, two more tasks
/// and their thread switches on every request, and almost no request ever
/// reaches its deadline.
struct RequestDeadlineMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await withoutActuallyEscaping(next) { next in
            // Only the step's task calls the closure, and this task waits for
            // it before returning, so the non-Sendable closure never outlives
            // this call nor runs in two places.
            let handler = HandlerBox(run: next)
            let race = DeadlineRace()
            let step = Task {
                defer { race.finish() }
                return try await handler.run(request, context)
            }
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(limit)) {
                if race.expire() { step.cancel() }
            }
            let outcome = await withTaskCancellationHandler {
                await step.result
            } onCancel: {
                step.cancel()
            }
            timer.cancel()
            guard race.expired else { return try outcome.get() }
            context.logger.error("request passed its deadline; cancelled", metadata: ["limit": "\(limit)", "path": "\(request.uri.path)"])
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            headers[.retryAfter] = "30"
            if let code = HTTPField.Name(FlowError.header) { headers[code] = "busy" }
            return Response(
                status: .serviceUnavailable, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: "The service is busy or its database is unavailable; try again shortly.\n")))
        }
    }
}

private struct HandlerBox<Context: RequestContext>: @unchecked Sendable {
    let run: (Request, Context) async throws -> Response
}

/// Whichever comes first, the step's end or its deadline, wins: a step
/// that finished just before the timer fired keeps its answer (it may have
/// logged and sent a transfer), and one the deadline overtook is answered
/// busy whatever it does afterwards.
private final class DeadlineRace: Sendable {
    private static let running = 0
    private static let finished = 1
    private static let overtaken = 2
    private let state = Atomic<Int>(running)

    func finish() {
        _ = state.compareExchange(expected: Self.running, desired: Self.finished, ordering: .acquiringAndReleasing)
    }

    /// True when the deadline came first.
    func expire() -> Bool {
        state.compareExchange(expected: Self.running, desired: Self.overtaken, ordering: .acquiringAndReleasing).exchanged
    }

    var expired: Bool { state.load(ordering: .acquiring) == Self.overtaken }
}
