import HTTPTypes

/// What a reviewer sees when a request cannot be answered.
struct ReviewErrorPage: Sendable {
    let status: String
    let message: String
    let base: String

    init(status: HTTPResponse.Status, message: String, base: String, language: Language) {
        let key = "error.\(status.code)"
        let text = ReviewStrings.table(for: language)[key] ?? status.reasonPhrase
        self.status = "\(status.code) \(text)"
        self.message = message
        self.base = base
    }

    static let template = """
        <h1>{{status}}</h1>
        <div class="banner bad">{{message}}</div>
        <div class="actions"><a href="{{base}}">{{t.nav_overview}}</a><a href="{{base}}/entries">{{t.nav_search}}</a></div>
        """
}
