import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import Testing

/// The harness waits for its servers to listen; a server that cannot (its
/// port taken) must fail that wait, or the whole test run hangs.
@Suite struct HarnessSignalTests {
    @Test func aServerWhosePortIsTakenFailsTheWaitInsteadOfHangingIt() async throws {
        let taken = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(taken.localAddress?.port)
        let ready = ReadySignal()
        let application = Application(
            router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in await ready.fire() })
        await #expect(throws: ReadySignal.ServerEnded.self) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await ready.reportEnd { try await application.run() } }
                try await ready.wait()
                group.cancelAll()
            }
        }
        try await taken.close()
    }

    @Test func reservedPortsLieBelowTheEphemeralRange() async throws {
        let text = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        let low = try #require(text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) })
        for _ in 0..<5 {
            let port = try await FederationHarness.reservePort()
            #expect(port < low, "port \(port) is in the ephemeral range from \(low)")
        }
    }
}
