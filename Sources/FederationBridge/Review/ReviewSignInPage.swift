/// `/review/sign-in`: name and password, and why the last attempt failed.
struct ReviewSignInPage: Sendable {
    let base: String
    /// Where to go after signing in; always a path under `base`.
    let next: String
    let message: String?

    static let template = """
        <h1>{{t.signin_title}}</h1>
        {{#message}}<div class="banner bad" role="alert" id="sign-in-message">{{message}}</div>{{/message}}
        <form class="signin" method="post" action="{{base}}/sign-in">
        <input type="hidden" name="next" value="{{next}}">
        <label for="username">{{t.signin_username}}<input id="username" name="username" autocomplete="username" required autofocus></label>
        <label for="password">{{t.signin_password}}<input id="password" name="password" type="password" autocomplete="current-password" required></label>
        <button type="submit" id="sign-in">{{t.signin_submit}}</button>
        </form>
        <p class="muted">{{t.signin_note}}</p>
        """
}
