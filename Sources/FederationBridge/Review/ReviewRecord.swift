import Foundation
import PIAChecks

/// One transfer log entry as the reviewer pages show and export it.
///
/// Built from the stored entry; it holds what the log holds — names of
/// attributes, transforms, check results and digests — never personal data.
public struct ReviewRecord: Sendable, Equatable, Codable {
    /// The log's own decision type: transfer, refused (a check failed) or declined (the resident said no).
    public typealias Decision = TransferDecision

    public struct CheckResult: Sendable, Equatable, Codable {
        public let check: String
        public let passed: Bool
        public let reason: String

        public init(check: String, passed: Bool, reason: String) {
            self.check = check
            self.passed = passed
            self.reason = reason
        }
    }

    public struct ReleasedAttribute: Sendable, Equatable, Codable {
        public let name: String
        /// The transforms applied before release, in order; empty when sent as mapped.
        public let transforms: [String]

        public init(name: String, transforms: [String]) {
            self.name = name
            self.transforms = transforms
        }
    }

    public let sequence: Int
    public let time: Date
    public let recipient: String
    public let purpose: String
    public let legalBasis: String
    public let decision: Decision
    public let checks: [CheckResult]
    public let released: [ReleasedAttribute]
    public let consentTextVersion: String?
    public let consentDigest: String?
    public let subjectDigest: String?
    public let assertionID: String?
    /// True once retention has removed the body; only the leaf hash remains.
    public let redacted: Bool

    public init(
        sequence: Int, time: Date, recipient: String, purpose: String, legalBasis: String,
        decision: Decision, checks: [CheckResult], released: [ReleasedAttribute],
        consentTextVersion: String?, consentDigest: String?, subjectDigest: String?,
        assertionID: String?, redacted: Bool = false
    ) {
        self.sequence = sequence
        self.time = time
        self.recipient = recipient
        self.purpose = purpose
        self.legalBasis = legalBasis
        self.decision = decision
        self.checks = checks
        self.released = released
        self.consentTextVersion = consentTextVersion
        self.consentDigest = consentDigest
        self.subjectDigest = subjectDigest
        self.assertionID = assertionID
        self.redacted = redacted
    }

    /// Names of the checks that failed, in verdict order.
    public var failedChecks: [String] { checks.filter { !$0.passed }.map(\.check) }
}
