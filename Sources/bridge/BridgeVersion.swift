/// What `bridge --version` prints, so an operator can tell two builds apart.
enum BridgeVersion {
    static let release = "0.9.0"
    static let text = "bridge \(release)"
}
