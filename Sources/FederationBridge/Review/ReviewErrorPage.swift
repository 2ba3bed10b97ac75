/// What a reviewer sees when a request cannot be answered.
struct ReviewErrorPage: Sendable {
    let status: String
    let message: String
    let base: String

    static let template = """
        <h1>{{status}}</h1>
        <div class="banner bad">{{message}}</div>
        <div class="actions"><a href="{{base}}">Overview</a><a href="{{base}}/entries">Search</a></div>
        """
}
