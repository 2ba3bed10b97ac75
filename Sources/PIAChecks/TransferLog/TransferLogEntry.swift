import Crypto
import Foundation

/// One record of the transfer log: what was decided, about what, for whom,
/// without any personal data.
///
/// The subject appears only as a keyed digest of the pairwise identifier, so
/// the log can answer "was this person's data sent?" for someone who holds
/// the key and the identifier, and for nobody else.
public struct TransferLogEntry: Sendable, Hashable {
    /// Decision time, kept to whole milliseconds so it survives encoding.
    public var time: Date
    public var recipient: String
    public var purpose: String
    public var legalBasis: String
    public var attributes: [ReleasedAttribute]
    public var checks: [CheckResult]
    /// Hex SHA-256 of the canonical consent record, or empty when none.
    public var consentDigest: String
    /// Hex HMAC-SHA256 of the pairwise subject identifier.
    public var subjectDigest: String
    public var assertionID: String
    public var decision: TransferDecision

    public init(
        time: Date, recipient: String, purpose: String, legalBasis: String,
        attributes: [ReleasedAttribute], checks: [CheckResult], consentDigest: String,
        subjectDigest: String, assertionID: String, decision: TransferDecision
    ) {
        self.time = Date(timeIntervalSince1970: (time.timeIntervalSince1970 * 1000).rounded() / 1000)
        self.recipient = recipient
        self.purpose = purpose
        self.legalBasis = legalBasis
        self.attributes = attributes
        self.checks = checks
        self.consentDigest = consentDigest
        self.subjectDigest = subjectDigest
        self.assertionID = assertionID
        self.decision = decision
    }

    /// The entry the service writes for a request and its verdict;
    /// `decision` defaults to what the verdict allows.
    public init(
        request: TransferRequest, verdict: Verdict, policy: Policy,
        pairwiseSubject: String, subjectKey: SymmetricKey, assertionID: String, decision: TransferDecision? = nil
    ) {
        self.init(
            time: request.now,
            recipient: request.recipientEntityID,
            purpose: request.purposeID,
            legalBasis: policy.purpose(id: request.purposeID)?.legalBasis ?? "",
            attributes: request.released,
            checks: verdict.results,
            consentDigest: request.consent.map(Self.consentDigest) ?? "",
            subjectDigest: Self.subjectDigest(pairwiseSubject: pairwiseSubject, key: subjectKey),
            assertionID: assertionID,
            decision: decision ?? verdict.decision
        )
    }

    /// Hex SHA-256 of the consent record in canonical JSON.
    public static func consentDigest(_ consent: ConsentRecord) -> String {
        let canonical = CanonicalConsent(
            attributes: consent.attributes.sorted(), content: consent.contentDigest.isEmpty ? nil : consent.contentDigest,
            givenAt: CanonicalJSON.timestamp(consent.givenAt),
            purpose: consent.purposeID, recipient: consent.recipientEntityID, textVersion: consent.textVersion)
        let data = (try? CanonicalJSON.encode(canonical)) ?? Data()
        return SHA256.hash(data: data).hex
    }

    /// Hex HMAC-SHA256 of the pairwise subject under the bridge's log key.
    public static func subjectDigest(pairwiseSubject: String, key: SymmetricKey) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(pairwiseSubject.utf8), using: key)).hex
    }

    private struct CanonicalConsent: Encodable {
        var attributes: [String]
        /// The shown content's digest; left out when empty so older records keep their digest.
        var content: String?
        var givenAt: String
        var purpose: String
        var recipient: String
        var textVersion: String
    }
}

/// An entry with its place in the log.
public struct SequencedEntry: Sendable, Hashable {
    /// Zero-based leaf index in the Merkle tree.
    public var seq: Int
    /// The decoded entry; `nil` once redacted after retention.
    public var entry: TransferLogEntry?
    /// The exact bytes hashed into the leaf; `nil` once redacted.
    public var body: Data?
    /// `SHA-256(0x00 ‖ body)`, kept after redaction.
    public var leafHash: Data

    public init(seq: Int, entry: TransferLogEntry?, body: Data?, leafHash: Data) {
        self.seq = seq
        self.entry = entry
        self.body = body
        self.leafHash = leafHash
    }
}
