import Foundation

/// What the resident is told on the page that returns them to the relying party.
enum DeliveryNotice: Sendable {
    /// The assertion was issued: "sent to X".
    case sent(recipient: String)
    case declined
    case refused
    case iamSmartCancelled
    case failed(ResidentErrorKind)
    /// Single Logout: on the way to the next partner to log out of.
    case loggingOut
    /// Single Logout: done, on the way back to the partner that asked.
    case loggedOut

    /// Heading and lead in the page's language. Only what happened: the
    /// page itself says that Continue goes back to the recipient, so no
    /// second, contradicting "start again" instruction.
    func texts(_ language: Language) -> (heading: String, lead: String) {
        let strings = PageStrings.table(for: language)
        func t(_ key: String) -> String { strings[key] ?? key }
        switch self {
        case .sent(let recipient):
            return (PageStrings.format("result.sent_to.title", in: language, ["recipient": recipient]), t("result.sent.lead"))
        case .declined: return (t("result.declined.title"), t("result.declined.lead"))
        case .refused: return (t("error.title"), t("error.refused.what"))
        case .iamSmartCancelled: return (t("error.title"), t("error.iamsmart_failed.what"))
        case .failed(let kind): return (t("error.title"), t("error.\(kind.rawValue).what"))
        case .loggingOut: return (t("logout.progress.title"), t("logout.progress.lead"))
        case .loggedOut: return (t("logout.done.title"), t("logout.done.lead"))
        }
    }
}
