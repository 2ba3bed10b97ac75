import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import FederationBridge

/// The service over real HTTP on a loopback port.
@Suite struct HTTPTests {
    struct Harness {
        let fixture: ConfigFixture
        let bridge: BridgeApplication

        init(baseURL: String = "http://127.0.0.1:8443", metadataFile: Bool = true) throws {
            fixture = try ConfigFixture()
            if metadataFile { try fixture.write("metadata/partner.xml", "<EntityDescriptor/>") }
            let configuration = try fixture.load(ConfigFixture.yaml(baseURL: baseURL))
            var logger = Logger(label: "test.bridge")
            logger.logLevel = .warning
            bridge = try BridgeApplication(configuration: configuration, logger: logger, previewPages: true)
        }

        func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
            defer { fixture.remove() }
            try await bridge.makeApplication().test(.live, body)
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        let harness = try Harness()
        try await harness.test { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok\n")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains("\"ready\" : true"))
                for probe in ["store", "keys", "metadata"] { #expect(body.contains("\"name\" : \"\(probe)\"")) }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains(MetricNames.httpRequests))
                #expect(body.contains("route=\"/healthz\""))
                #expect(body.contains(MetricNames.httpRequestDuration))
            }
        }
    }

    @Test func readinessReportsAFailingProbeByName() async throws {
        let harness = try Harness(metadataFile: false)
        harness.bridge.services.readiness.register(ReadinessProbe(name: "iamsmart") { "sandbox unreachable" })
        try await harness.test { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = String(buffer: response.body)
                #expect(body.contains("\"ready\" : false"))
                #expect(body.contains("no partner metadata"))
                #expect(body.contains("sandbox unreachable"))
            }
        }
    }

    @Test func metricsCountVerdictsAndTransfers() async throws {
        let harness = try Harness()
        let metrics = harness.bridge.services.metrics
        metrics.recordCheck("age", passed: false)
        metrics.recordTransfer(recipient: "https://sp.gd.example", decision: .refused)
        try await harness.test { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("\(MetricNames.piaVerdicts){check=\"age\",result=\"fail\"} 1"))
                #expect(
                    body.contains("\(MetricNames.transfers){recipient=\"https://sp.gd.example\",decision=\"refused\"} 1")
                        || body.contains("\(MetricNames.transfers){decision=\"refused\",recipient=\"https://sp.gd.example\"} 1"))
            }
        }
    }

    @Test func pagesFollowAcceptLanguageAndTheSwitch() async throws {
        let harness = try Harness()
        try await harness.test { client in
            let cases: [(String?, String, String)] = [
                (nil, "zh-Hant", "確認傳送個人資料"),
                ("zh-CN,zh;q=0.9", "zh-Hans", "确认传送个人信息"),
                ("en-US,en;q=0.8", "en", "Confirm what will be sent"),
            ]
            for (accept, lang, title) in cases {
                var headers = HTTPFields()
                if let accept { headers[.acceptLanguage] = accept }
                try await client.execute(uri: "/preview/consent", method: .get, headers: headers) { response in
                    #expect(response.status == .ok)
                    let html = String(buffer: response.body)
                    #expect(html.contains("<html lang=\"\(lang)\">"))
                    #expect(html.contains(title))
                    #expect(response.headers[.contentLanguage] == lang)
                }
            }

            // The switch overrides the header and is remembered in a cookie.
            var headers = HTTPFields()
            headers[.acceptLanguage] = "zh-HK"
            let cookie = try await client.execute(uri: "/preview/start?lang=en", method: .get, headers: headers) { response -> String in
                let html = String(buffer: response.body)
                #expect(html.contains("<html lang=\"en\">"))
                #expect(html.contains("Sign in with iAM Smart"))
                #expect(html.contains("href=\"/preview/start?lang=zh-Hans\""), "the switch links to the other languages")
                return try #require(Self.setCookies(response).first { $0.hasPrefix("fb_lang=") })
            }
            #expect(cookie.hasPrefix("fb_lang=en;"))
            headers[.cookie] = String(cookie.split(separator: ";")[0])
            try await client.execute(uri: "/preview/error/session_expired", method: .get, headers: headers) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("This sign-in has timed out or was already completed."))
                #expect(html.contains("Go back to the recipient&#39;s website and start again."))
            }
            // An unknown language value is ignored.
            try await client.execute(uri: "/preview/start?lang=xx", method: .get) { response in
                #expect(String(buffer: response.body).contains("<html lang=\"zh-Hant\">"))
            }
        }
    }

    @Test func consentPageShowsMappedAttributesExactlyAsSent() async throws {
        let harness = try Harness()
        let release = PreviewRoutes.sampleRelease(harness.bridge.services)
        try await harness.test { client in
            try await client.execute(uri: "/preview/consent?lang=en", method: .get) { response in
                let html = String(buffer: response.body)
                #expect(release.attributes.count >= 8)
                for attribute in release.samlAttributes {
                    #expect(html.contains("<code>\(attribute.name)</code>"))
                    for value in attribute.values { #expect(html.contains(">\(value)</code>"), "\(attribute.name)") }
                }
                #expect(!html.contains("1980"), "the birth date is never shown: only the age claim")
            }
        }
    }

    @Test func sessionCookieAttributes() async throws {
        let loopback = try Harness()
        try await loopback.test { client in
            try await client.execute(uri: "/preview/start", method: .get) { response in
                let cookie = try #require(Self.setCookies(response).first { $0.hasPrefix("fb_session=") })
                let attributes = Set(cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
                #expect(attributes.contains("httponly"))
                #expect(attributes.contains("samesite=lax"))
                #expect(attributes.contains("path=/"))
                #expect(!attributes.contains("secure"), "plain-http loopback base URL")
                let value = cookie.split(separator: ";")[0].dropFirst("fb_session=".count)
                #expect(value.count == 64, "256 random bits and a 128-bit tag, base64url")
            }
            // Operational endpoints set no cookies.
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(Self.setCookies(response).isEmpty)
            }
        }
        let publicBridge = try Harness(baseURL: "https://bridge.example.hk")
        try await publicBridge.test { client in
            try await client.execute(uri: "/preview/start", method: .get) { response in
                let cookies = Self.setCookies(response)
                let session = try #require(cookies.first { $0.hasPrefix("__Host-fb_session=") }, "https sessions carry the __Host- prefix")
                #expect(session.lowercased().contains("; secure"))
                #expect(session.lowercased().contains("path=/") && !session.lowercased().contains("domain="))
            }
        }
    }

    @Test func consentFormRequiresTheSessionsCSRFToken() async throws {
        let harness = try Harness()
        try await harness.test { client in
            // A first visit gets a session and a form bound to it.
            let (sessionCookie, token) = try await client.execute(uri: "/preview/consent?lang=en", method: .get) { response -> (String, String) in
                let cookie = try #require(Self.setCookies(response).first { $0.hasPrefix("fb_session=") })
                let html = String(buffer: response.body)
                let marker = "name=\"csrf\" value=\""
                let start = try #require(html.range(of: marker)).upperBound
                let end = try #require(html[start...].firstIndex(of: "\""))
                return (String(cookie.split(separator: ";")[0]), String(html[start..<end]))
            }
            func post(_ body: String, cookie: String?) async throws -> TestResponse {
                var headers = HTTPFields()
                headers[.contentType] = "application/x-www-form-urlencoded"
                if let cookie { headers[.cookie] = cookie + "; fb_lang=en" }
                return try await client.execute(
                    uri: "/preview/consent", method: .post, headers: headers, body: ByteBuffer(string: body))
            }

            let missing = try await post("decision=agree", cookie: sessionCookie)
            #expect(missing.status == .forbidden)
            #expect(String(buffer: missing.body).contains("The form had expired, so your choice was not processed."))

            let forged = try await post("csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&decision=agree", cookie: sessionCookie)
            #expect(forged.status == .forbidden)

            // The right token from another session (no cookie: a new session is made).
            let crossSession = try await post("csrf=\(token)&decision=agree", cookie: nil)
            #expect(crossSession.status == .forbidden)

            let agreed = try await post("csrf=\(token)&decision=agree", cookie: sessionCookie)
            #expect(agreed.status == .ok)
            #expect(String(buffer: agreed.body).contains("Your details were sent to the recipient."))

            let declined = try await post("csrf=\(token)&decision=decline&decision=agree", cookie: sessionCookie)
            #expect(String(buffer: declined.body).contains("Nothing about you was sent."), "the first decision counts")

            let odd = try await post("csrf=\(token)&decision=maybe", cookie: sessionCookie)
            #expect(odd.status == .badRequest)
        }
    }

    static func setCookies(_ response: TestResponse) -> [String] {
        response.headers[values: .setCookie]
    }
}
