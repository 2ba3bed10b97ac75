import Foundation
import Hummingbird
import SAMLMapper

/// Sample renderings of every resident page under `/preview/…`, with a
/// fictional resident, for translators, accessibility reviews and
/// screenshots. The consent form here is real: it checks the CSRF token.
/// Off unless the operator enables it.
enum PreviewRoutes {
    static let recipientEntityID = "https://preview.gd.example/sp"

    static func install(on group: RouterGroup<BridgeRequestContext>, services: BridgeServices) {
        let renderer = services.renderer
        group.get("/preview/start") { request, context in
            renderer.response(
                .start(recipientName: "广东省统一身份认证平台（示例）", purpose: purpose(context.language),
                       continueURL: "/preview/handoff"),
                language: context.language, path: request.uri.path)
        }
        group.get("/preview/handoff") { request, context in
            renderer.response(
                .handoff(appURL: "/preview/consent", qrPageURL: "/preview/consent"),
                language: context.language, path: request.uri.path)
        }
        group.get("/preview/consent") { request, context in
            guard let sessionID = context.sessionID else { throw ResidentError(.sessionExpired) }
            let release = sampleRelease(services)
            let page = ConsentPage(
                recipient: RecipientDisplay(name: "广东省政务服务数据管理局（示例）", city: "广州 Guangzhou", contact: "privacy@gd.example"),
                purpose: purpose(context.language),
                legalBasis: legalBasis(context.language),
                retention: retention(context.language),
                attributes: DisplayedAttribute.rows(for: release, in: context.language),
                action: "/preview/consent",
                csrfToken: services.sessions.csrfToken(sessionID: sessionID),
                reference: FlowID.random().value)
            return renderer.response(.consent(page), language: context.language, path: request.uri.path)
        }
        group.post("/preview/consent") { request, context in
            let form = try await FormFields.from(request)
            guard services.sessions.verifyCSRF(form["csrf"], sessionID: context.sessionID) else {
                throw ResidentError(.formExpired, status: .forbidden)
            }
            switch form["decision"] {
            case "agree":
                return renderer.response(
                    .result(ResultPage(outcome: .sent, recipientName: "广东省统一身份认证平台（示例）")),
                    language: context.language, path: request.uri.path)
            case "decline":
                return renderer.response(
                    .result(ResultPage(outcome: .declined)), language: context.language, path: request.uri.path)
            default:
                throw ResidentError(.invalidRequest)
            }
        }
        group.get("/preview/result") { request, context in
            renderer.response(
                .result(ResultPage(outcome: .sent, recipientName: "广东省统一身份认证平台（示例）", returnURL: "/preview/start")),
                language: context.language, path: request.uri.path)
        }
        group.get("/preview/error/{kind}") { request, context in
            let kind = context.parameters.get("kind").flatMap(ResidentErrorKind.init(rawValue:)) ?? .internal
            return renderer.response(
                .error(ErrorPage(kind: kind, reference: FlowID.random().value)),
                language: context.language, path: request.uri.path, status: .ok)
        }
    }

    /// A fictional resident mapped with the configured tables.
    static func sampleRelease(_ services: BridgeServices) -> AttributeRelease {
        let profile = ResidentProfile(
            openID: "preview-open-id", chineseName: "陳大文", chineseNameVerified: true, englishName: "CHAN, Tai Man",
            birthDate: CalendarDate(year: 1980, month: 1, day: 1), gender: "M", assurance: .basic)
        let allowed: Set<String> = [
            GuangdongAttribute.chineseName, .chineseNameSimplified, .englishName, .sex, .userType, .isReal,
            .realType, .creditableLevel, .ageOver18, .pairwiseID,
        ].reduce(into: []) { $0.insert($1.rawValue) }
        return services.mapper.map(profile, recipientEntityID: recipientEntityID, allowed: allowed)
    }

    static func purpose(_ language: Language) -> String {
        switch language {
        case .traditionalChinese: "開立廣東省統一身份認證平台實名帳戶"
        case .simplifiedChinese: "开立广东省统一身份认证平台实名账户"
        case .english: "Open a real-name account on the Guangdong Unified Identity Authentication Platform"
        }
    }

    static func legalBasis(_ language: Language) -> String {
        switch language {
        case .traditionalChinese: "你的單獨同意（粵港澳大灣區個人信息跨境流動標準合同）"
        case .simplifiedChinese: "你的单独同意（粤港澳大湾区个人信息跨境流动标准合同）"
        case .english: "Your separate consent (Greater Bay Area Standard Contract for cross-boundary personal information)"
        }
    }

    static func retention(_ language: Language) -> String {
        switch language {
        case .traditionalChinese: "帳戶有效期間"
        case .simplifiedChinese: "账户有效期间"
        case .english: "While the account exists"
        }
    }
}
