/// Where the resident is when the sign-in starts, sent as `source` to `getQR`.
public enum AuthorizationSource: String, Sendable, Hashable, CaseIterable, Codable {
    /// Desktop browser: iAM Smart shows a QR code the resident scans with the app.
    case pcBrowser = "PC_Browser"
    /// Mobile browser on the same phone: hand-off to the app by URL scheme.
    case appScheme = "App_Scheme"
    /// Mobile: hand-off to the app by universal / app link.
    case appLink = "App_Link"

    /// Whether the flow ends in a hand-off to the app on the same device.
    public var isAppHandOff: Bool { self != .pcBrowser }
}
