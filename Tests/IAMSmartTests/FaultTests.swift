import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import Sandbox
import Testing

@testable import IAMSmart

@Suite("Fault switches and protocol refusals")
struct FaultTests {
    /// Runs a sign-in up to the code, switches `faults` on, then exchanges the code.
    func exchangeUnder(_ faults: SandboxFaults, total: Duration = .seconds(60)) async throws -> IAMSmartError? {
        try await exchangeTimed(faults, total: total).error
    }

    /// The error of the code exchange under `faults`, and how long the exchange alone took.
    func exchangeTimed(_ faults: SandboxFaults, total: Duration) async throws -> (error: IAMSmartError?, took: Duration) {
        try await withHarness(
            configure: { $0.timeouts.total = total },
            { h in
                let code = try await h.code(for: "adult-basic")
                try await h.client.prefetchContentKey()
                await h.sandbox.setFaults(faults)
                let clock = ContinuousClock()
                let start = clock.now
                let error = await thrownError { _ = try await h.client.exchangeCode(code) }
                return (error, clock.now - start)
            })
    }

    @Test func slowResponseTimesOut() async throws {
        // The limit leaves the unfaulted set-up calls room on a loaded machine;
        // the sandbox's delay is far past it.
        let (error, took) = try await exchangeTimed(SandboxFaults(delay: .seconds(90)), total: .seconds(20))
        #expect(error == .timeout(endpoint: APIPath.getToken, limit: .seconds(20)))
        #expect(error?.description.contains("timeouts.total") == true)
        #expect(took < .seconds(90), "the client gave up before the slow answer came")
    }

    @Test func serverErrorIsHTTPStatus() async throws {
        let error = try await exchangeUnder(SandboxFaults(serverError: true))
        #expect(error == .httpStatus(endpoint: APIPath.getToken, status: 503))
        #expect(error?.description.contains("retry the sign-in later") == true)
    }

    @Test func malformedJSONIsReported() async throws {
        let error = try await exchangeUnder(SandboxFaults(malformedJSON: true))
        guard case .malformedResponse(let endpoint, _) = error else {
            Issue.record("expected malformedResponse, got \(String(describing: error))")
            return
        }
        #expect(endpoint == APIPath.getToken)
        #expect(error?.description.contains("baseURL") == true)
    }

    @Test func wrongGCMTagIsAuthenticationFailureAndDropsTheKey() async throws {
        try await withHarness { h in
            let code = try await h.code(for: "adult-basic")
            try await h.client.prefetchContentKey()
            await h.sandbox.setFaults(SandboxFaults(wrongGCMTag: true))
            await #expect(throws: IAMSmartError.responseAuthenticationFailed(endpoint: APIPath.getToken)) {
                try await h.client.exchangeCode(code)
            }
            #expect(IAMSmartError.responseAuthenticationFailed(endpoint: "x").description.contains("GCM"))
            // No retry of the non-idempotent call; the next call fetches a fresh key.
            await h.sandbox.setFaults(.none)
            let code2 = try await h.code(for: "adult-basic")
            _ = try await h.client.exchangeCode(code2)
            #expect(await h.sandbox.contentKeyCounts().issued == 2)
        }
    }

    @Test func expiredContentKeyIsRefreshedOnceAndTheCallRetried() async throws {
        let capture = LogCapture()
        try await withHarness(logger: capture.logger) { h in
            let session = try await h.signIn("adult-plus", scopes: ["eidapi_auth", "eidapi_profiles"])
            #expect(await h.sandbox.contentKeyCounts().issued == 1)
            await h.sandbox.expireContentKeys()
            let ticket = try await h.client.initiateProfileRequest(session: session, fields: [.enName], source: .pcBrowser)
            try await h.answer(ticket)
            let profile = try await h.client.fetchProfile(session: session, ticket: ticket)
            #expect(profile.enName?.unstructuredName == "SANDBOX, Plus Adult")
            #expect(await h.sandbox.contentKeyCounts().issued == 2)
            #expect(capture.all.contains { $0.contains("content key expired") })
        }
    }

    @Test func persistentlyRejectedContentKeyIsTypedAfterOneRefresh() async throws {
        try await withHarness { h in
            let code = try await h.code(for: "adult-basic")
            try await h.client.prefetchContentKey()
            await h.sandbox.setFaults(SandboxFaults(rejectContentKeys: true))
            await #expect(throws: IAMSmartError.contentKeyExpired(endpoint: APIPath.getToken)) {
                try await h.client.exchangeCode(code)
            }
            // Exactly one refresh: the initial key plus one more.
            #expect(await h.sandbox.contentKeyCounts().issued == 2)
            #expect(IAMSmartError.contentKeyExpired(endpoint: "x").description.contains("D30002"))
        }
    }

    @Test func wrongSecretIsSignatureRejected() async throws {
        try await withHarness(
            configure: { $0.clientSecret = "not-the-secret" },
            { h in
                let error = await thrownError { try await h.client.prefetchContentKey() }
                #expect(error == .signatureRejected(endpoint: APIPath.getKey, serviceMessage: "signature mismatch"))
                #expect(error?.serviceCode == "D20006")
                #expect(error?.description.contains("clientSecret") == true)
            })
    }

    @Test func unregisteredRedirectURIIsD20008() async throws {
        try await withHarness(
            configure: { $0.redirectURI = "http://127.0.0.1:9/elsewhere" },
            { h in
                await #expect(throws: IAMSmartError.callbackNotRegistered(endpoint: APIPath.getQR)) {
                    try await h.client.verifyRedirectURIRegistered()
                }
                // A browser sent there sees the refusal instead of a QR code.
                let (_, url) = h.client.beginAuthorization(flowID: "f", source: .pcBrowser)
                let response = try await h.browser.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(5))
                #expect(response.status == .badRequest)
                #expect(String(buffer: try await response.body.collect(upTo: 1 << 16)).contains("D20008"))
            })
        try await withHarness { h in
            try await h.client.verifyRedirectURIRegistered()
        }
    }

    @Test func mismatchedPaddingFailsToUnwrap() async throws {
        try await withHarness(
            configure: { $0.contentKeyPadding = .pkcs1v15 },
            { h in
                await #expect(throws: IAMSmartError.contentKeyUnwrapFailed(padding: .pkcs1v15)) {
                    try await h.client.prefetchContentKey()
                }
            })
    }

    /// Raw signed requests, to reach refusals the client itself never provokes.
    @Test func sandboxRejectsReplayOldTimestampsAndUndecryptableContent() async throws {
        try await withHarness { h in
            let signer = RequestSigner(clientID: testClientID, clientSecret: testSecret)
            func post(_ path: String, body: String, timestamp: Int64, nonce: String) async throws -> Envelope<JSONValue> {
                var request = HTTPClientRequest(url: h.baseURL.absoluteString + path)
                request.method = .POST
                for (name, value) in signer.headers(timestamp: String(timestamp), nonce: nonce, body: Data(body.utf8)).pairs {
                    request.headers.add(name: name, value: value)
                }
                request.body = .bytes(ByteBuffer(string: body))
                let response = try await h.browser.execute(request, timeout: .seconds(5))
                return try JSONDecoder().decode(
                    Envelope<JSONValue>.self, from: Data(try await response.body.collect(upTo: 1 << 20).readableBytesView))
            }
            let now = TimestampGenerator.systemMilliseconds()
            let first = try await post(APIPath.getKey, body: "{}", timestamp: now, nonce: "nonce-1")
            #expect(first.code == "D00000")
            let replay = try await post(APIPath.getKey, body: "{}", timestamp: now + 1, nonce: "nonce-1")
            #expect(replay.code == "D20006")
            #expect(replay.message == "nonce already used")
            let old = try await post(APIPath.getKey, body: "{}", timestamp: now - 3_600_000, nonce: "nonce-2")
            #expect(old.code == "D20006")
            #expect(old.message == "timestamp outside the accepted window")
            let long = try await post(APIPath.getKey, body: "{}", timestamp: now, nonce: String(repeating: "n", count: 37))
            #expect(long.code == "D20006")

            // Content sealed under a key the sandbox never issued.
            let sealed = try ContentCipher.seal(Data("{}".utf8), key: SymmetricKey(size: .bits256))
            let undecryptable = try await post(APIPath.getToken, body: #"{"content":"\#(sealed)"}"#, timestamp: now, nonce: "nonce-3")
            #expect(undecryptable.code == "D30004")
            #expect(IAMSmartClient.error(for: "D30004", message: nil, endpoint: "e") == .requestDecryptionRejected(endpoint: "e"))
            #expect(IAMSmartClient.error(for: ResultCode.requestPending, message: nil, endpoint: "e") == .approvalPending)
            #expect(IAMSmartClient.error(for: ResultCode.requestDeclined, message: nil, endpoint: "e") == .approvalDeclined)
            #expect(IAMSmartClient.error(for: ResultCode.requestExpired, message: nil, endpoint: "e") == .approvalExpired)
            #expect(IAMSmartClient.error(for: "D20008", message: nil, endpoint: "e") == .callbackNotRegistered(endpoint: "e"))
            #expect(
                IAMSmartClient.error(for: "D12345", message: "x", endpoint: "e") == .serviceError(endpoint: "e", code: "D12345", serviceMessage: "x"))

            // Missing header.
            var bare = HTTPClientRequest(url: h.baseURL.absoluteString + APIPath.getKey)
            bare.method = .POST
            bare.body = .bytes(ByteBuffer(string: "{}"))
            let response = try await h.browser.execute(bare, timeout: .seconds(5))
            let envelope = try JSONDecoder().decode(
                Envelope<JSONValue>.self, from: Data(try await response.body.collect(upTo: 1 << 20).readableBytesView))
            #expect(envelope.code == "D20006")
        }
    }

    @Test func adminEndpointSetsFaults() async throws {
        try await withHarness { h in
            var request = HTTPClientRequest(url: h.baseURL.absoluteString + "/sandbox/admin/faults")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: "delayMs=250&serverError=1&wrongGCMTag=1"))
            let response = try await h.browser.execute(request, timeout: .seconds(5))
            #expect(response.status == .seeOther)
            let faults = await h.sandbox.faults()
            #expect(faults == SandboxFaults(delay: .milliseconds(250), serverError: true, wrongGCMTag: true))
            await #expect(throws: IAMSmartError.httpStatus(endpoint: APIPath.getKey, status: 503)) {
                try await h.client.prefetchContentKey()
            }
            let index = try await h.browser.execute(HTTPClientRequest(url: h.baseURL.absoluteString + "/sandbox"), timeout: .seconds(5))
            let html = String(buffer: try await index.body.collect(upTo: 1 << 20))
            #expect(html.contains("adult-plus"))
            #expect(!html.contains("<script"))
        }
    }

    @Test func invalidConfigurationFailsAtStartup() {
        let base = clientConfiguration(baseURL: URL(string: "http://127.0.0.1:1")!)
        var noSecret = base
        noSecret.clientSecret = ""
        #expect(throws: IAMSmartError.invalidConfiguration("clientSecret is empty")) { try IAMSmartClient(configuration: noSecret) }
        var badKey = base
        badKey.privateKeyPEM = "garbage"
        #expect(throws: IAMSmartError.self) { try IAMSmartClient(configuration: badKey) }
        var badURL = base
        badURL.baseURL = URL(string: "ftp://example.invalid")!
        #expect(throws: IAMSmartError.self) { try IAMSmartClient(configuration: badURL) }
    }

    @Test func unreachableHostIsConnectionFailure() async throws {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let client = try IAMSmartClient(configuration: clientConfiguration(baseURL: URL(string: "http://127.0.0.1:1")!, total: .seconds(3)))
        let failure = await thrownError { try await client.prefetchContentKey() }
        await client.shutdown()
        guard let error = failure else {
            Issue.record("connected to nothing")
            return
        }
        var isTransportFault = false
        if case .connectionFailed = error { isTransportFault = true }
        if case .timeout = error { isTransportFault = true }
        #expect(isTransportFault, "unexpected \(error)")
        #expect(error.description.contains(APIPath.getKey))
    }
}
