import Testing

@testable import FederationBridge

@Suite struct ReadinessTests {
    @Test func probesAreNamedReplaceableAndBounded() async {
        let readiness = Readiness([
            ReadinessProbe(name: "store") { nil },
            ReadinessProbe(name: "metadata") { "expired" },
        ])
        var report = await readiness.evaluate()
        #expect(!report.ready)
        #expect(report.probes.map(\.name) == ["store", "metadata"])
        #expect(report.probes[1].reason == "expired")

        // A later registration with the same name replaces the probe.
        readiness.register(ReadinessProbe(name: "metadata") { nil })
        report = await readiness.evaluate()
        #expect(report.ready)

        // A probe that does not answer in time is not ready.
        readiness.register(
            ReadinessProbe(name: "slow") {
                try? await Task.sleep(for: .seconds(5))
                return nil
            })
        report = await readiness.evaluate(timeout: .milliseconds(100))
        #expect(!report.ready)
        #expect(report.probes.first { $0.name == "slow" }?.reason?.hasPrefix("no answer within") == true)
    }
}
