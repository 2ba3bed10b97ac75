/// Where the resident is when the sign-in starts, sent as `source` to `getQR`.
///
/// iAM Smart names the mobile browser so that it can hand off to the app on
/// the same phone and return to that same browser afterwards; a desktop
/// browser gets a QR code to scan instead.
public enum AuthorizationSource: String, Sendable, Hashable, CaseIterable, Codable {
    /// Desktop browser: iAM Smart shows a QR code the resident scans with the app.
    case pcBrowser = "PC_Browser"
    case androidChrome = "Android_Chrome"
    case androidFirefox = "Android_Firefox"
    case androidSamsung = "Android_Samsung"
    case androidEdge = "Android_Edge"
    case androidHuawei = "Android_Huawei"
    case iOSSafari = "iOS_Safari"
    case iOSChrome = "iOS_Chrome"
    case iOSFirefox = "iOS_Firefox"
    case iOSEdge = "iOS_Edge"
    /// Inside a mobile app (web view): hand-off to iAM Smart by URL scheme.
    case appScheme = "App_Scheme"
    /// Mobile: hand-off to the app by universal / app link.
    case appLink = "App_Link"

    /// Whether the flow ends in a hand-off to the app on the same device.
    public var isAppHandOff: Bool { self != .pcBrowser }

    /// The source for a browser, from its `User-Agent`: the mobile browser
    /// by name, a web view inside an app as `App_Scheme`, anything else
    /// (desktops, unknown agents) as `PC_Browser`, which always works
    /// because the QR code can be scanned from any screen.
    public init(userAgent: String?) {
        guard let agent = userAgent else {
            self = .pcBrowser
            return
        }
        func has(_ token: String) -> Bool { agent.contains(token) }
        if has("iPhone") || has("iPad") || has("iPod") {
            if has("CriOS") {
                self = .iOSChrome
            } else if has("FxiOS") {
                self = .iOSFirefox
            } else if has("EdgiOS") {
                self = .iOSEdge
            }
            // WKWebView in an app leaves out the "Safari/" token.
            else if has("Safari/") {
                self = .iOSSafari
            } else {
                self = .appScheme
            }
        } else if has("Android") {
            if has("; wv)") {
                self = .appScheme
            } else if has("SamsungBrowser") {
                self = .androidSamsung
            } else if has("HuaweiBrowser") {
                self = .androidHuawei
            } else if has("EdgA") {
                self = .androidEdge
            } else if has("Firefox") {
                self = .androidFirefox
            } else {
                self = .androidChrome
            }
        } else {
            self = .pcBrowser
        }
    }
}
