import NIOCore
import NIOPosix
import Testing

/// The harness starts again on a fresh port only when the server could not
/// bind the one reserved for it; any other early end is a failure.
@Suite struct ReadySignalTests {
    @Test func aPortSomeoneElseHoldsIsToldApart() async throws {
        let holder = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(holder.localAddress?.port)
        let signal = ReadySignal()
        let server = Task {
            try await signal.reportEnd {
                let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: port).get()
                try await channel.close()
            }
        }
        await #expect(throws: ReadySignal.PortTaken.self) { try await signal.waitForPort() }
        await #expect(throws: (any Error).self) { try await server.value }
        try await holder.close()
    }

    @Test func anotherEarlyEndIsNotRetried() async throws {
        let signal = ReadySignal()
        let server = Task { try await signal.reportEnd {} }
        let error = await #expect(throws: ReadySignal.ServerEnded.self) { try await signal.waitForPort() }
        #expect(error?.reason == "it returned")
        _ = await server.result
    }
}
