import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A tiny browser for end-to-end tests and the flow benchmark: a cookie jar
/// (per host, as browsers do), manual redirect following, and HTML form and
/// link parsing. It runs no script, which is the point: every page must work
/// without it.
public final class SandboxBrowser: @unchecked Sendable {
    public struct Page: Sendable {
        public var url: URL
        public var status: Int
        public var headers: HTTPHeaders
        public var body: String

        public var errorCode: String? { headers.first(name: "FB-Error") }

        /// Forms on the page, in order.
        public var forms: [Form] { Form.parse(body, base: url) }

        /// The first form, or the one whose action contains `action`.
        public func form(action: String? = nil) -> Form? {
            forms.first { action == nil || $0.action.absoluteString.contains(action ?? "") }
        }

        /// `href` of the first link with this `id`, or whose attributes contain `containing`.
        public func link(id: String? = nil, containing: String? = nil) -> URL? {
            let pattern = try? NSRegularExpression(pattern: "<a\\s([^>]*)>", options: [.caseInsensitive])
            let range = NSRange(body.startIndex..., in: body)
            for match in pattern?.matches(in: body, range: range) ?? [] {
                guard let r = Range(match.range(at: 1), in: body) else { continue }
                let attributes = Form.attributes(String(body[r]))
                if let id, attributes["id"] != id { continue }
                if let containing, !String(body[r]).contains(containing) { continue }
                if let href = attributes["href"] { return URL(string: href, relativeTo: url)?.absoluteURL }
            }
            return nil
        }

        /// Text of the element with this `id` (tags stripped).
        public func text(id: String) -> String? {
            guard let start = body.range(of: "id=\"\(id)\"") else { return nil }
            guard let open = body.range(of: ">", range: start.upperBound..<body.endIndex) else { return nil }
            guard let close = body.range(of: "</", range: open.upperBound..<body.endIndex) else { return nil }
            return Form.decodeEntities(String(body[open.upperBound..<close.lowerBound]))
        }
    }

    public struct Form: Sendable {
        public var action: URL
        public var method: String
        /// Hidden and text inputs (and checked checkboxes), by name.
        public var fields: [(name: String, value: String)]
        /// Submit buttons: name, value, id.
        public var buttons: [(name: String?, value: String?, id: String?)]

        public static func parse(_ html: String, base: URL) -> [Form] {
            guard
                let formPattern = try? NSRegularExpression(
                    pattern: "<form\\s([^>]*)>(.*?)</form>", options: [.caseInsensitive, .dotMatchesLineSeparators]),
                let inputPattern = try? NSRegularExpression(pattern: "<(input|button)\\s([^>]*)>", options: [.caseInsensitive])
            else { return [] }
            var forms: [Form] = []
            for match in formPattern.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
                guard let a = Range(match.range(at: 1), in: html), let b = Range(match.range(at: 2), in: html) else { continue }
                let formAttributes = attributes(String(html[a]))
                let inner = String(html[b])
                var form = Form(
                    action: URL(string: formAttributes["action"] ?? "", relativeTo: base)?.absoluteURL ?? base,
                    method: (formAttributes["method"] ?? "get").lowercased(), fields: [], buttons: [])
                for input in inputPattern.matches(in: inner, range: NSRange(inner.startIndex..., in: inner)) {
                    guard let k = Range(input.range(at: 1), in: inner), let r = Range(input.range(at: 2), in: inner) else { continue }
                    let attrs = attributes(String(inner[r]))
                    if inner[k].lowercased() == "button" || attrs["type"] == "submit" {
                        form.buttons.append((attrs["name"], attrs["value"], attrs["id"]))
                    } else if let name = attrs["name"] {
                        if attrs["type"] == "checkbox", !String(inner[r]).contains("checked") { continue }
                        form.fields.append((name, attrs["value"] ?? ""))
                    }
                }
                forms.append(form)
            }
            return forms
        }

        public static func attributes(_ text: String) -> [String: String] {
            guard let pattern = try? NSRegularExpression(pattern: "([a-zA-Z_:-]+)\\s*=\\s*\"([^\"]*)\"") else { return [:] }
            var result: [String: String] = [:]
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let n = Range(match.range(at: 1), in: text), let v = Range(match.range(at: 2), in: text) else { continue }
                result[text[n].lowercased()] = decodeEntities(String(text[v]))
            }
            return result
        }

        public static func decodeEntities(_ text: String) -> String {
            guard text.contains("&") else { return text }
            var out = ""
            var rest = Substring(text)
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                    out += "&"
                    rest = rest[rest.index(after: amp)...]
                    continue
                }
                let entity = String(rest[rest.index(after: amp)..<semi])
                switch entity {
                case "amp": out += "&"
                case "lt": out += "<"
                case "gt": out += ">"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let code = UInt32(entity.dropFirst(2), radix: 16),
                        let scalar = Unicode.Scalar(code)
                    {
                        out.unicodeScalars.append(scalar)
                    } else if entity.hasPrefix("#"), let code = UInt32(entity.dropFirst()), let scalar = Unicode.Scalar(code) {
                        out.unicodeScalars.append(scalar)
                    } else {
                        out += "&\(entity);"
                    }
                }
                rest = rest[rest.index(after: semi)...]
            }
            return out + rest
        }
    }

    /// One request as the browser saw it: for failure messages and for the
    /// benchmark's per-endpoint latencies.
    public struct Visit: Sendable {
        public var method: String
        public var host: String
        public var port: Int?
        public var path: String
        public var status: Int
        public var duration: Duration
        /// CPU the server spent while this request was open, when a probe
        /// was set (see `cpuProbe`).
        public var serverCPU: Duration?
    }

    /// The connection pool, for more browsers sharing it.
    public let client: HTTPClient
    private let ownsClient: Bool
    private let lock = NSLock()
    private var jar: [String: [String: String]] = [:]
    private var _visits: [Visit] = []

    /// Every request made, in order.
    public var visits: [Visit] { lock.withLock { _visits } }
    /// Every page visited, for failure messages.
    public var history: [(String, Int)] { visits.map { ("\($0.method) \($0.path)", $0.status) } }

    /// Sent as `User-Agent` when set (a phone's browser, for the hand-off).
    public let userAgent: String?

    public init(userAgent: String? = nil) {
        self.userAgent = userAgent
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        ownsClient = true
    }

    /// A browser with its own cookies over a client shared with others; the
    /// client must not follow redirects. Many residents can then share one
    /// connection pool, as many browsers share one network.
    public init(sharing client: HTTPClient, userAgent: String? = nil) {
        self.client = client
        self.userAgent = userAgent
        ownsClient = false
    }

    /// Where requests really go: the identity, or a load balancer's choice
    /// of instance for a URL. Cookies and visits keep the URL asked for.
    public var route: @Sendable (URL) -> URL = { $0 }

    /// Reads a server's CPU time (nanoseconds) before and after each
    /// request. Meaningful only when nothing else loads that server, as in
    /// a benchmark's one-at-a-time pass.
    public var cpuProbe: (@Sendable () -> UInt64)?

    public func shutdown() async {
        if ownsClient { try? await client.shutdown() }
    }

    public func cookie(_ name: String, host: String = "127.0.0.1") -> String? {
        lock.withLock { jar[host]?[name] }
    }

    /// One request, no redirect following.
    public func request(
        _ url: URL, method: HTTPMethod = .GET, form: [(String, String)]? = nil, headers extra: [(String, String)] = [],
        rawBody: String? = nil
    ) async throws -> Page {
        var request = HTTPClientRequest(url: route(url).absoluteString)
        request.method = method
        let host = url.host ?? ""
        let cookies = lock.withLock { jar[host] ?? [:] }
        if !cookies.isEmpty {
            request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; "))
        }
        if let userAgent { request.headers.add(name: "User-Agent", value: userAgent) }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: Self.encode(form)))
        }
        if let rawBody { request.body = .bytes(ByteBuffer(string: rawBody)) }
        let clock = ContinuousClock()
        let started = clock.now
        let probe = cpuProbe
        let cpuBefore = probe?()
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 4 << 20)
        let duration = clock.now - started
        // A server thread that ends meanwhile takes its time out of the sum:
        // such a sample says nothing and is dropped.
        let serverCPU = probe.flatMap { probe in
            cpuBefore.flatMap { before in
                let after = probe()
                return after >= before ? Duration.nanoseconds(Int64(clamping: after - before)) : nil
            }
        }
        for header in response.headers[canonicalForm: "Set-Cookie"] {
            let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            lock.withLock {
                let name = pair[0].trimmingCharacters(in: .whitespaces)
                let value = String(pair[1])
                if header.lowercased().contains("max-age=0") { jar[host]?[name] = nil } else { jar[host, default: [:]][name] = value }
            }
        }
        let visit = Visit(
            method: method.rawValue, host: host, port: url.port, path: url.path, status: Int(response.status.code), duration: duration,
            serverCPU: serverCPU)
        lock.withLock { _visits.append(visit) }
        return Page(url: url, status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    /// Requests and follows redirects (303 and 302 become GET).
    public func open(_ url: URL, method: HTTPMethod = .GET, form: [(String, String)]? = nil) async throws -> Page {
        var page = try await request(url, method: method, form: form)
        var hops = 0
        while [301, 302, 303, 307, 308].contains(page.status), let location = page.headers.first(name: "Location") {
            hops += 1
            guard hops <= 10, let next = URL(string: location, relativeTo: page.url)?.absoluteURL else {
                throw BrowserError("too many redirects or a bad Location: \(location)")
            }
            page = try await request(next)
        }
        return page
    }

    /// Submits `form` with the button whose value (or id) is given.
    /// - Parameter following: `false` returns a redirect as it came, e.g. to
    ///   read the artifact in it before the relying party does.
    public func submit(
        _ form: Form, button: String? = nil, overriding: [String: String] = [:], dropping: Set<String> = [], following: Bool = true
    ) async throws -> Page {
        var fields = form.fields.filter { !dropping.contains($0.name) && overriding[$0.name] == nil }
        for (name, value) in overriding { fields.append((name, value)) }
        if let button, let chosen = form.buttons.first(where: { $0.value == button || $0.id == button }), let name = chosen.name {
            fields.append((name, chosen.value ?? ""))
        }
        if form.method == "post" {
            return following
                ? try await open(form.action, method: .POST, form: fields) : try await request(form.action, method: .POST, form: fields)
        }
        var components = URLComponents(url: form.action, resolvingAgainstBaseURL: true)
        components?.queryItems = fields.map { URLQueryItem(name: $0.0, value: $0.1) }
        guard let url = components?.url else { throw BrowserError("bad form action") }
        return try await open(url)
    }

    public static func encode(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return fields.map {
            ($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "="
                + ($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
    }
}

public struct BrowserError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
