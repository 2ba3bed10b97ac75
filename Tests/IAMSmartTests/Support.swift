import AsyncHTTPClient
import Foundation
import IAMSmart
import Logging
import NIOCore
import Sandbox
import Testing

/// RSA key and self-signed certificate made once with the openssl command, so
/// the key material does not come from the code under test.
struct TestKeys: Sendable {
    let privateKeyPEM: String
    let certificatePEM: String

    static let shared: TestKeys = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iamsmart-keys-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = directory.appendingPathComponent("key.pem").path
        let cert = directory.appendingPathComponent("cert.pem").path
        _ = try! runProcess(
            "openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=bridge.test", "-days", "2"])
        return TestKeys(
            privateKeyPEM: try! String(contentsOfFile: key, encoding: .utf8),
            certificatePEM: try! String(contentsOfFile: cert, encoding: .utf8))
    }()
}

/// Runs a command from PATH; returns stdout.
@discardableResult
func runProcess(_ command: String, _ arguments: [String], stdin: Data? = nil) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [command] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = Pipe()
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestFailure("\(command) exited with \(process.terminationStatus)")
    }
    return data
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

let testClientID = "fb-test-client"
let testSecret = "sandbox-shared-secret"
let testRedirect = "http://127.0.0.1:9/iamsmart/callback"

/// A running sandbox plus a client configured for it.
struct Harness: Sendable {
    let sandbox: IAMSmartSandbox
    let client: IAMSmartClient
    let baseURL: URL
    let browser: HTTPClient

    /// Plays the browser and the phone: opens the `getQR` URL, reaches the app
    /// page (following the QR link or the app hand-off redirect), submits the
    /// approve or decline form and returns the callback's query.
    func drive(_ url: URL, resident: String, decision: String = "approve") async throws -> CallbackParameters {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .GET
        let first = try await browser.execute(request, timeout: .seconds(5))
        let appURL: String
        if first.status == .seeOther {
            appURL = try #require(first.headers.first(name: "location"))
        } else {
            #expect(first.status == .ok)
            let html = String(buffer: try await first.body.collect(upTo: 1 << 20))
            #expect(html.contains("Scan this QR code"))
            let match = try #require(html.firstMatch(of: /href="(\/sandbox\/app\/authorize\?session=[0-9a-f]+)"/))
            appURL = String(match.1)
        }
        let appPage = try await browser.execute(HTTPClientRequest(url: baseURL.absoluteString + appURL), timeout: .seconds(5))
        #expect(appPage.status == .ok)
        let html = String(buffer: try await appPage.body.collect(upTo: 1 << 20))
        #expect(html.contains("<form method=\"post\" action=\"/sandbox/app/decide\">"))
        #expect(!html.contains("<script"))
        let session = try #require(html.firstMatch(of: /name="session" value="([0-9a-f]+)"/)).1

        var post = HTTPClientRequest(url: baseURL.absoluteString + "/sandbox/app/decide")
        post.method = .POST
        post.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        post.body = .bytes(ByteBuffer(string: "session=\(session)&resident=\(resident)&decision=\(decision)"))
        let decided = try await browser.execute(post, timeout: .seconds(5))
        #expect(decided.status == .seeOther)
        let location = try #require(decided.headers.first(name: "location"))
        #expect(location.hasPrefix(testRedirect + "?"))
        let components = try #require(URLComponents(string: location))
        return CallbackParameters(queryItems: components.queryItems ?? [])
    }

    /// Plays the resident in the app: opens the data request (`authByQR`),
    /// checks it names the service and every field, and answers it.
    func answer(_ ticket: ProfileTicket, decision: String = "approve") async throws {
        let page = try await browser.execute(HTTPClientRequest(url: ticket.authByQR), timeout: .seconds(5))
        #expect(page.status == .ok)
        let html = String(buffer: try await page.body.collect(upTo: 1 << 20))
        #expect(html.contains("FederationBridge (sandbox)"))
        for field in ticket.profileFields + ticket.eMEFields { #expect(html.contains("<code>\(field.rawValue)</code>")) }
        var post = HTTPClientRequest(url: baseURL.absoluteString + "/sandbox/app/ticket")
        post.method = .POST
        post.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        post.body = .bytes(ByteBuffer(string: "ticketID=\(ticket.ticketID)&decision=\(decision)"))
        #expect(try await browser.execute(post, timeout: .seconds(5)).status == .ok)
    }

    /// A full sign-in as `resident`; returns the session.
    func signIn(
        _ resident: String, source: AuthorizationSource = .pcBrowser, scopes: [String]? = nil
    ) async throws -> IAMSmartSession {
        let (pending, url) = client.beginAuthorization(flowID: "flow-\(resident)", source: source, scopes: scopes)
        let callback = try await drive(url, resident: resident)
        return try await client.completeAuthorization(callback: callback, pending: pending, flowID: "flow-\(resident)")
    }

    /// The authorisation code for `resident`, without exchanging it.
    func code(for resident: String, scopes: [String]? = nil) async throws -> String {
        let (pending, url) = client.beginAuthorization(flowID: "f", source: .pcBrowser, scopes: scopes)
        let callback = try await drive(url, resident: resident)
        return try pending.accept(callback, flowID: "f")
    }
}

func clientConfiguration(
    baseURL: URL,
    secret: String = testSecret,
    padding: ContentKeyPadding = .oaepSHA1,
    redirectURI: String = testRedirect,
    // Generous: the whole suite runs at once on two cores, and a starved
    // call must not look like a fault. Tests of the limits set their own.
    total: Duration = .seconds(60),
    scopes: [String] = ["eidapi_auth"]
) -> IAMSmartConfiguration {
    IAMSmartConfiguration(
        baseURL: baseURL, clientID: testClientID, clientSecret: secret,
        privateKeyPEM: TestKeys.shared.privateKeyPEM, contentKeyPadding: padding,
        timeouts: .init(connect: .seconds(10), total: total),
        redirectURI: redirectURI, scopes: scopes, lang: "en-US",
        logDigestKey: Data(repeating: 7, count: 32))
}

/// Starts a sandbox on port 0, builds a client for it, runs `body`, and tears
/// both down (client shutdown revokes the key; the sandbox task is cancelled).
func withHarness<T: Sendable>(
    sandboxPadding: ContentKeyPadding = .oaepSHA1,
    logger: Logger = Logger(label: "test"),
    configure: @Sendable (inout IAMSmartConfiguration) -> Void = { _ in },
    _ body: @Sendable (Harness) async throws -> T
) async throws -> T {
    // The server logs cancelled connections at error level when a test stops it; keep test output readable.
    var sandboxLogger = Logger(label: "sandbox.iamsmart")
    sandboxLogger.logLevel = .critical
    let sandbox = IAMSmartSandbox(
        configuration: IAMSmartSandboxConfiguration(
            clientID: testClientID, clientSecret: testSecret, clientCertificatePEM: TestKeys.shared.certificatePEM,
            redirectURIs: [testRedirect], contentKeyPadding: sandboxPadding),
        logger: sandboxLogger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await sandbox.run()
            return nil
        }
        let baseURL = try await sandbox.baseURL()
        var configuration = clientConfiguration(baseURL: baseURL, padding: sandboxPadding)
        configure(&configuration)
        let client = try IAMSmartClient(configuration: configuration, logger: logger)
        let browser = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        let harness = Harness(sandbox: sandbox, client: client, baseURL: baseURL, browser: browser)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(harness))
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        try await browser.shutdown()
        group.cancelAll()
        while (try? await group.next()) != nil {}
        return try result.get()
    }
}

/// Collects log lines in memory so tests can check what would be logged.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    var logger: Logger {
        var logger = Logger(label: "capture") { _ in CaptureHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    struct CaptureHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append("\(event.level) \(event.message) \(merged)")
        }
    }
}

/// The `IAMSmartError` a call throws, or nil when it succeeds (or throws something else).
func thrownError(_ body: () async throws -> Void) async -> IAMSmartError? {
    do {
        try await body()
        return nil
    } catch {
        return error as? IAMSmartError
    }
}
