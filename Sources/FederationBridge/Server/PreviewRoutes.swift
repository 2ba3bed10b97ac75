import Foundation
import Hummingbird
import PIAChecks
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
                .start(
                    recipientName: sampleRecipient.name(in: context.language.rawValue), purpose: purpose(context.language),
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
            let page = ConsentContent(
                language: context.language, recipient: sampleRecipient, recipientFallback: recipientEntityID,
                purpose: samplePurpose, purposeFallback: purpose(context.language),
                attributes: release.attributes.map { ($0.name, $0.attribute) }, notices: [], textVersion: "preview",
                privacy: services.configuration.privacy, operatorFallback: services.configuration.baseURL.host ?? ""
            )
            .page(action: "/preview/consent", csrfToken: services.sessions.csrfToken(sessionID: sessionID), reference: FlowID.random().value)
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
                    .result(ResultPage(outcome: .sent, recipientName: sampleRecipient.name(in: context.language.rawValue))),
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
                .result(ResultPage(outcome: .sent, recipientName: sampleRecipient.name(in: context.language.rawValue), returnURL: "/preview/start")),
                language: context.language, path: request.uri.path)
        }
        group.get("/preview/approval") { request, context in
            renderer.response(
                .approval(approvalURL: "/preview/consent", csrfToken: "preview", refreshSeconds: 600),
                language: context.language, path: request.uri.path)
        }
        group.get("/preview/return") { request, context in
            let (heading, lead) = DeliveryNotice.sent(recipient: sampleRecipient.name(in: context.language.rawValue)).texts(context.language)
            return renderer.response(
                .returning(ReturnPage(action: "/preview/start", fields: [("RelayState", "preview")], heading: heading, lead: lead)),
                language: context.language, path: request.uri.path)
        }
        group.get("/preview/error/{kind}") { request, context in
            let kind = context.parameters.get("kind").flatMap(ResidentErrorKind.init(rawValue:)) ?? .internal
            return renderer.response(
                .error(ErrorPage(kind: kind, reference: FlowID.random().value)),
                language: context.language, path: request.uri.path, status: .ok)
        }
    }

    /// A fictional recipient, as a policy would name it.
    static let sampleRecipient: Recipient = {
        var recipient = Recipient(
            entityID: recipientEntityID, legalEntity: "广东省政务服务和数据管理局（示例）", city: "Guangzhou",
            contractFilingReference: "GBA-SC-PREVIEW-0001", contractFiledOn: Date(timeIntervalSince1970: 1_768_435_200),
            contact: "privacy@gd.example", retentionDays: 1095, onwardTransferExcluded: true, maxTransfersPerHour: 1)
        recipient.names = [
            "zh-Hant": "廣東省政務服務和數據管理局（示例）", "zh-Hans": "广东省政务服务和数据管理局（示例）",
            "en": "Guangdong Government Service and Data Administration (example)",
        ]
        return recipient
    }()

    /// A fictional purpose with consent as its legal basis.
    static let samplePurpose = Purpose(
        id: "preview", descriptions: ["zh-Hant": purpose(.traditionalChinese), "zh-Hans": purpose(.simplifiedChinese), "en": purpose(.english)],
        allowedAttributes: [], requiredAssurance: .substantial, minimumAge: 18, encryptionRequired: true, maxRetentionDays: 1095,
        sensitiveAttributes: [], legalBasis: "consent")

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
}
