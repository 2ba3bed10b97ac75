import Foundation

/// Transfers to one recipient stay within its hourly bound and do not jump
/// far above their recent mean.
///
/// PDPO DPP4 and PIPL Art. 51: a sudden burst to one recipient is how a
/// compromised relying party or a scraping bug shows; stop and let a person
/// look.
public struct VolumeCheck: PIACheck {
    public let id = "volume"

    public init() {}

    public func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult {
        guard let recipient = policy.recipient(entityID: request.recipientEntityID) else {
            return .fail(id, "recipient not registered, so it has no volume bound")
        }
        guard context.historyAvailable else {
            return .fail(id, "transfer history could not be read from the log")
        }
        let thisHour = context.currentHourTransfers + 1
        guard thisHour <= recipient.maxTransfersPerHour else {
            return .fail(id, "\(thisHour) transfers this hour exceed the bound of \(recipient.maxTransfersPerHour)")
        }
        let history = context.recentHourlyTransfers
        let mean = history.isEmpty ? 0 : Double(history.reduce(0, +)) / Double(history.count)
        let threshold = max(Double(policy.volume.minimumBaseline), mean * policy.volume.anomalyFactor)
        guard Double(thisHour) <= threshold else {
            return .fail(id, "\(thisHour) transfers this hour against a recent mean of \(String(format: "%.1f", mean)) per hour (anomaly)")
        }
        return .pass(id, "\(thisHour) this hour, recent mean \(String(format: "%.1f", mean))")
    }
}
