import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One scripted resident for `bridge bench soak`: a cookie jar, redirects
/// followed by hand, links and forms read from the pages, as a browser
/// without script would. It signs in from the relying party's start URL to
/// the relying party's answer and says where it stopped if it could not.
struct SoakResident {
    struct Stop: Error, CustomStringConvertible {
        var description: String
    }

    struct Page {
        var url: URL
        var status: Int
        var location: String?
        var body: String
    }

    let client: HTTPClient
    private var cookies: [String: [String: String]] = [:]

    init(client: HTTPClient) {
        self.client = client
    }

    /// Every step of one sign-in, as the sandbox resident `resident` who approves everything.
    mutating func signIn(startURL: String, resident: String, relyingPartyURL: String) async throws {
        let start = try await open(try url(startURL))
        let qr = try await open(try link(in: start, containing: "button primary"))
        let app = try await open(try link(in: qr, id: "open-app"))
        let choice = try form(in: app, containing: "value=\"\(resident)\"")
        var page = try await submit(choice, extra: [("decision", "approve")])
        if page.url.path == "/approval" {
            let ticket = try await open(try link(in: page, id: "open-approval"))
            _ = try await submit(try form(in: ticket, containing: "/sandbox/app/ticket"), extra: [("decision", "approve")])
            page = try await open(URL(string: "/approval", relativeTo: page.url)?.absoluteURL ?? page.url)
        }
        guard page.url.path == "/consent", page.status == 200 else { throw Stop(description: "no consent page: HTTP \(page.status) at \(page.url.path)") }
        let delivery = try await submit(try form(in: page, containing: "action=\"/consent\""), extra: [("decision", "agree")])
        let back = try form(in: delivery, containing: relyingPartyURL)
        let answer = try await submit(back, extra: [])
        guard answer.body.contains(#"id="outcome">signed-in"#) else {
            throw Stop(description: "relying party did not sign in: HTTP \(answer.status) at \(answer.url.path)")
        }
    }

    // MARK: HTTP

    mutating func request(_ url: URL, method: HTTPMethod = .GET, form: [(String, String)]? = nil) async throws -> Page {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        let host = "\(url.host ?? ""):\(url.port ?? 80)"
        if let jar = cookies[host], !jar.isEmpty {
            request.headers.add(name: "Cookie", value: jar.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 4 << 20)
        for header in response.headers["Set-Cookie"] {
            let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            cookies[host, default: [:]][pair[0].trimmingCharacters(in: .whitespaces)] = String(pair[1])
        }
        return Page(url: url, status: Int(response.status.code), location: response.headers.first(name: "Location"), body: String(buffer: body))
    }

    mutating func open(_ url: URL, method: HTTPMethod = .GET, form: [(String, String)]? = nil) async throws -> Page {
        var page = try await request(url, method: method, form: form)
        var hops = 0
        while (300..<400).contains(page.status), let location = page.location {
            hops += 1
            guard hops <= 10, let next = URL(string: location, relativeTo: page.url)?.absoluteURL else {
                throw Stop(description: "bad redirect to \(location)")
            }
            page = try await request(next)
        }
        return page
    }

    mutating func submit(_ form: (action: URL, fields: [(String, String)]), extra: [(String, String)]) async throws -> Page {
        try await open(form.action, method: .POST, form: form.fields + extra)
    }

    // MARK: Reading pages

    func url(_ text: String) throws -> URL {
        guard let url = URL(string: text) else { throw Stop(description: "bad URL \(text)") }
        return url
    }

    func link(in page: Page, id: String? = nil, containing: String? = nil) throws -> URL {
        for tag in Self.matches(#"<a\s([^>]*)>"#, in: page.body) {
            if let id, !tag.contains("id=\"\(id)\"") { continue }
            if let containing, !tag.contains(containing) { continue }
            if let href = Self.attribute("href", in: tag), let url = URL(string: href, relativeTo: page.url)?.absoluteURL { return url }
        }
        throw Stop(description: "no link \(id ?? containing ?? "") on \(page.url.path) (HTTP \(page.status))")
    }

    /// The first form whose markup contains `marker`: its action and hidden fields.
    func form(in page: Page, containing marker: String) throws -> (action: URL, fields: [(String, String)]) {
        for form in Self.matches(#"<form\s([^>]*)>(.*?)</form>"#, in: page.body, group: 0) where form.contains(marker) {
            guard let open = Self.matches(#"<form\s([^>]*)>"#, in: form).first, let action = Self.attribute("action", in: open),
                  let url = URL(string: action, relativeTo: page.url)?.absoluteURL
            else { continue }
            let fields = Self.matches(#"<input\s([^>]*)>"#, in: form).compactMap { input -> (String, String)? in
                guard Self.attribute("type", in: input) == "hidden", let name = Self.attribute("name", in: input) else { return nil }
                return (name, Self.attribute("value", in: input) ?? "")
            }
            return (url, fields)
        }
        throw Stop(description: "no form with \(marker) on \(page.url.path) (HTTP \(page.status))")
    }

    static func matches(_ pattern: String, in text: String, group: Int = 1) -> [String] {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive, .dotMatchesLineSeparators]) else { return [] }
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: group), in: text).map { String(text[$0]) }
        }
    }

    static func attribute(_ name: String, in tag: String) -> String? {
        matches(#"(?:^|\s)"# + name + #"="([^"]*)""#, in: tag).first.map(decodeEntities)
    }

    static func decodeEntities(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text)
    }
}
