/// One privacy-impact check.
///
/// Checks are pure: they see the request, the policy and what the evaluator
/// read from the log, and decide. A protocol because there are many of them
/// and the evaluator runs any list it is given.
public protocol PIACheck: Sendable {
    /// Stable identifier; written into the transfer log and used by `search`.
    var id: String { get }
    func evaluate(_ request: TransferRequest, policy: Policy, context: CheckContext) -> CheckResult
}

/// The outcome of one check.
public struct CheckResult: Sendable, Hashable, Codable {
    public var id: String
    public var passed: Bool
    /// Why, in words a reviewer understands; never personal data.
    public var reason: String

    public init(id: String, passed: Bool, reason: String) {
        self.id = id
        self.passed = passed
        self.reason = reason
    }

    public static func pass(_ id: String, _ reason: String) -> CheckResult {
        CheckResult(id: id, passed: true, reason: reason)
    }

    public static func fail(_ id: String, _ reason: String) -> CheckResult {
        CheckResult(id: id, passed: false, reason: reason)
    }
}

/// Facts the evaluator gathers from the transfer log before running checks,
/// so the checks themselves stay synchronous and pure.
public struct CheckContext: Sendable, Hashable {
    /// Transfers to the recipient in the current hour so far.
    public var currentHourTransfers: Int
    /// Transfers to the recipient in each of the preceding hours.
    public var recentHourlyTransfers: [Int]

    /// False when the log could not be read; volume then fails closed.
    public var historyAvailable: Bool

    public init(currentHourTransfers: Int = 0, recentHourlyTransfers: [Int] = [], historyAvailable: Bool = true) {
        self.currentHourTransfers = currentHourTransfers
        self.recentHourlyTransfers = recentHourlyTransfers
        self.historyAvailable = historyAvailable
    }
}
