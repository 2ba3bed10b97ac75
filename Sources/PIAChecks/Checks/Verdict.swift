/// All check results for one request; transfer only when every one passed.
public struct Verdict: Sendable, Hashable, Codable {
    public var results: [CheckResult]

    public init(results: [CheckResult]) {
        self.results = results
    }

    /// True only if there was at least one check and all passed.
    public var allowsTransfer: Bool {
        !results.isEmpty && results.allSatisfy(\.passed)
    }

    public var decision: TransferDecision {
        allowsTransfer ? .transfer : .refused
    }

    public var failures: [CheckResult] {
        results.filter { !$0.passed }
    }
}

/// What the bridge did with a request.
public enum TransferDecision: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every check passed and the resident agreed: the Assertion may be built.
    case transfer
    /// A check failed: nothing is sent, whatever the resident would answer.
    case refused
    /// The resident said no; no check failed. Nothing is sent.
    case declined
    /// Not a transfer: the resident withdrew an earlier consent to this
    /// recipient (PIPL Art. 15), recorded so the recipient is told and the
    /// record cannot be denied later.
    case withdrawn
}
