import Foundation
import Sandbox
import Testing

/// The scripted browser's load balancer: only the bridge's base URL moves,
/// pinned to one instance or in turn over all of them.
@Suite struct InstanceRoutingTests {
    let base = "http://127.0.0.1:8440"
    let instances = ["http://127.0.0.1:9001", "http://127.0.0.1:9002"]

    func url(_ text: String) throws -> URL { try #require(URL(string: text)) }

    @Test func pinnedSendsEveryRequestToOneInstance() throws {
        let route = InstanceRouting.route(baseURL: base, instances: instances, pinned: 1)
        #expect(route(try url(base + "/saml/sso?SAMLRequest=x")).absoluteString == "http://127.0.0.1:9002/saml/sso?SAMLRequest=x")
        #expect(route(try url(base + "/consent")).absoluteString == "http://127.0.0.1:9002/consent")
    }

    @Test func withoutAffinityRequestsAlternate() throws {
        let route = InstanceRouting.route(baseURL: base, instances: instances, pinned: nil)
        let hosts = try (0..<4).map { _ in route(try url(base + "/start")).port }
        #expect(hosts == [9002, 9001, 9002, 9001])
    }

    @Test func otherOriginsAndNoInstancesAreLeftAlone() throws {
        let route = InstanceRouting.route(baseURL: base, instances: instances, pinned: 0)
        #expect(route(try url("http://127.0.0.1:8441/sandbox/app")).absoluteString == "http://127.0.0.1:8441/sandbox/app")
        // A look-alike of the base URL with a longer port is not the bridge.
        #expect(route(try url("http://127.0.0.1:84401/x")).absoluteString == "http://127.0.0.1:84401/x")
        let identity = InstanceRouting.route(baseURL: base, instances: [], pinned: nil)
        #expect(identity(try url(base + "/start")).absoluteString == base + "/start")
    }
}
