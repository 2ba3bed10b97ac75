import Foundation

/// What the resident is told on the page that returns them to the relying party.
enum DeliveryNotice: Sendable {
    case declined
    case refused
    case iamSmartCancelled
    case failed(ResidentErrorKind)

    func texts(_ strings: [String: String]) -> (heading: String, lead: String) {
        func t(_ key: String) -> String { strings[key] ?? key }
        switch self {
        case .declined: return (t("result.declined.title"), t("result.declined.lead"))
        case .refused: return (t("error.title"), t("error.refused.what") + " " + t("error.refused.todo"))
        case .iamSmartCancelled: return (t("error.title"), t("error.iamsmart_failed.what") + " " + t("error.session_expired.todo"))
        case .failed(let kind): return (t("error.title"), t("error.\(kind.rawValue).what") + " " + t("error.\(kind.rawValue).todo"))
        }
    }
}
