/// The sandbox QR page in the language `getQR` asked for (`lang`), as the
/// real iAM Smart shows its page in the service's language.
struct SandboxTexts: Sendable {
    let htmlLang: String
    let scanTitle: String
    let scan: String
    let qrLabel: String
    let noPhone: String
    let openApp: String
    let requested: String
    let leaving: String

    /// `nil` for a `lang` iAM Smart does not define.
    init?(lang: String) {
        switch lang {
        case "zh-HK":
            self.init(
                htmlLang: "zh-Hant", scanTitle: "「智方便」沙盒：掃描登入", scan: "請以「智方便」應用程式掃描此二維碼。",
                qrLabel: "二維碼內容", noPhone: "此沙盒沒有手機：", openApp: "開啟沙盒應用程式以批准或拒絕",
                requested: "要求：", leaving: "你正離開網上服務，以「智方便」登入。")
        case "zh-CN":
            self.init(
                htmlLang: "zh-Hans", scanTitle: "“智方便”沙盒：扫描登录", scan: "请使用“智方便”应用程序扫描此二维码。",
                qrLabel: "二维码内容", noPhone: "此沙盒没有手机：", openApp: "打开沙盒应用程序以批准或拒绝",
                requested: "请求：", leaving: "你正离开网上服务，以“智方便”登录。")
        case "en-US":
            self.init(
                htmlLang: "en", scanTitle: "iAM Smart sandbox: scan to sign in", scan: "Scan this QR code with the iAM Smart app.",
                qrLabel: "QR code content", noPhone: "This sandbox has no phone:", openApp: "open the sandbox app to approve or decline",
                requested: "Requested:", leaving: "You are leaving the online service to sign in with iAM Smart.")
        default:
            return nil
        }
    }

    private init(
        htmlLang: String, scanTitle: String, scan: String, qrLabel: String, noPhone: String, openApp: String, requested: String,
        leaving: String
    ) {
        self.htmlLang = htmlLang
        self.scanTitle = scanTitle
        self.scan = scan
        self.qrLabel = qrLabel
        self.noPhone = noPhone
        self.openApp = openApp
        self.requested = requested
        self.leaving = leaving
    }
}
