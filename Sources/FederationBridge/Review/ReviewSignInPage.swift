/// `/review/sign-in`: name and password, and why the last attempt failed.
struct ReviewSignInPage: Sendable {
    let base: String
    /// Where to go after signing in; always a path under `base`.
    let next: String
    let message: String?

    static let template = """
        <h1>Sign in</h1>
        {{#message}}<div class="banner bad" role="alert" id="sign-in-message">{{message}}</div>{{/message}}
        <form class="signin" method="post" action="{{base}}/sign-in">
        <input type="hidden" name="next" value="{{next}}">
        <label for="username">Reviewer name<input id="username" name="username" autocomplete="username" required autofocus></label>
        <label for="password">Password<input id="password" name="password" type="password" autocomplete="current-password" required></label>
        <button type="submit" id="sign-in">Sign in</button>
        </form>
        <p class="muted">After five wrong passwords for a name within fifteen minutes, that name is locked for fifteen minutes on every instance.</p>
        """
}
