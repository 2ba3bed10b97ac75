/// What `fb_build_info` reports: the bridge's release and the compiler
/// that built it, so a dashboard shows which build each instance runs.
public enum BridgeVersion {
    /// Raised with each release.
    public static let current = "0.9.0"

    public static var swift: String {
        #if compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "6"
        #endif
    }
}
