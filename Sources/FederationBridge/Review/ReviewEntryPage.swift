import Foundation
import PIAChecks

/// `/review/entries/{sequence}`: one entry with every check and its reason,
/// what was released and how, and its inclusion proof.
struct ReviewEntryPage: Sendable {
    struct Check: Sendable {
        let check: String
        let result: String
        let passed: Bool
        let reason: String
    }

    struct Attribute: Sendable {
        let name: String
        let transforms: String
        let necessity: String
    }

    /// The downloadable proof as shown on the page.
    struct Proof: Sendable {
        let leafIndex: Int
        let treeSize: Int
        let leafHash: String
        let rootHash: String
        let checkpoint: String
        let signer: String
        let auditPath: [String]

        /// Names only the signer whose signature was verified: a note may
        /// carry lines by anyone, and an unverified name proves nothing.
        init(_ bundle: InclusionProofBundle, verifier: TreeHeadVerifier) throws {
            let checkpoint = try bundle.verify(with: verifier)
            leafIndex = bundle.leafIndex
            treeSize = bundle.treeSize
            leafHash = Data(base64Encoded: bundle.entry).map { ReviewFormat.hex(MerkleTree.leafHash($0)) } ?? "—"
            rootHash = ReviewFormat.hex(checkpoint.rootHash)
            self.checkpoint = bundle.checkpoint
            signer = verifier.name
            auditPath = bundle.inclusionPath
        }
    }

    let base: String
    let sequence: Int
    let time: String
    let recipient: String
    let recipientLegalEntity: String
    let recipientContract: String
    let purpose: String
    let purposeDescription: String
    let legalBasis: String
    let decision: String
    let redacted: Bool
    let checks: [Check]
    let released: [Attribute]
    let consentTextVersion: String
    let consentTextDigest: String
    let consentDigest: String
    let subjectDigest: String
    let assertionID: String
    let proof: Proof?
    let proofError: String?

    init(base: String, record: ReviewRecord, context: ReviewPolicyContext, proof: Proof?, proofError: String?) {
        self.base = base
        sequence = record.sequence
        time = ReviewFormat.readable(record.time)
        recipient = record.recipient
        let recipientInfo = context.recipient(record.recipient)
        recipientLegalEntity = recipientInfo?.legalEntity ?? "not in the current policy"
        recipientContract = recipientInfo.map { "\($0.contractReference), filed \($0.contractFiledOn)" } ?? "—"
        purpose = record.purpose
        purposeDescription = context.purpose(record.purpose)?.description ?? "not in the current policy"
        legalBasis = record.legalBasis
        decision = record.decision.rawValue
        redacted = record.redacted
        checks = record.checks.map {
            Check(check: $0.check, result: $0.passed ? "pass" : "fail", passed: $0.passed, reason: $0.reason)
        }
        released = record.released.map { attribute in
            Attribute(
                name: attribute.name,
                transforms: attribute.transforms.isEmpty ? "none" : attribute.transforms.joined(separator: " → "),
                necessity: context.purpose(record.purpose)?.necessity[attribute.name] ?? "—")
        }
        consentTextVersion = record.consentTextVersion ?? "none recorded"
        consentTextDigest = record.consentTextVersion.flatMap { context.consentTextDigest($0) } ?? "—"
        consentDigest = record.consentDigest ?? "—"
        subjectDigest = record.subjectDigest ?? "—"
        assertionID = record.assertionID ?? "—"
        self.proof = proof
        self.proofError = proofError
    }

    static let template = """
        <h1>Entry {{sequence}} <span class="{{decision}}">{{decision}}</span></h1>
        {{#redacted}}<div class="banner bad">This entry is past retention: its body was removed and only its leaf hash remains, so old proofs still verify.</div>{{/redacted}}
        <div class="panel">
        <table class="facts">
        <tr><th>Time</th><td>{{time}}</td></tr>
        <tr><th>Recipient</th><td><code>{{recipient}}</code><br>{{recipientLegalEntity}}</td></tr>
        <tr><th>Standard Contract</th><td>{{recipientContract}}</td></tr>
        <tr><th>Purpose</th><td>{{purpose}}<br><span class="muted">{{purposeDescription}}</span></td></tr>
        <tr><th>Legal basis</th><td>{{legalBasis}}</td></tr>
        <tr><th>Consent text version</th><td>{{consentTextVersion}} <span class="muted">sha256 {{consentTextDigest}}</span></td></tr>
        <tr><th>Consent record digest</th><td><code>{{consentDigest}}</code></td></tr>
        <tr><th>Subject (keyed digest)</th><td><code>{{subjectDigest}}</code></td></tr>
        <tr><th>Assertion ID</th><td><code>{{assertionID}}</code></td></tr>
        </table>
        </div>
        <h2>Checks</h2>
        <table class="checks">
        <thead><tr><th>Check</th><th>Result</th><th>Reason</th></tr></thead>
        <tbody>
        {{#checks}}<tr><td><code>{{check}}</code></td><td class="{{#passed}}pass{{/passed}}{{^passed}}fail{{/passed}}">{{result}}</td><td>{{reason}}</td></tr>
        {{/checks}}
        </tbody>
        </table>
        <h2>Released attributes</h2>
        <table class="released">
        <thead><tr><th>Attribute (name only)</th><th>Transforms applied</th><th>Necessity (policy)</th></tr></thead>
        <tbody>
        {{#released}}<tr><td><code>{{name}}</code></td><td>{{transforms}}</td><td>{{necessity}}</td></tr>
        {{/released}}
        {{^released}}<tr><td colspan="3" class="muted">Nothing was released.</td></tr>{{/released}}
        </tbody>
        </table>
        <h2>Inclusion proof</h2>
        {{#proof}}
        <p>Leaf {{leafIndex}} of a tree of {{treeSize}} entries, checked here against the checkpoint signed by <code>{{signer}}</code>. Leaf hash <code>{{leafHash}}</code>, root <code>{{rootHash}}</code>.</p>
        <p class="noprint"><a href="{{base}}/entries/{{sequence}}/proof" download>Download the proof with its checkpoint (JSON)</a></p>
        <h3>Signed checkpoint</h3>
        <pre class="checkpoint">{{checkpoint}}</pre>
        <h3>Audit path</h3>
        <pre>{{#auditPath}}{{.}}
        {{/auditPath}}</pre>
        {{/proof}}
        {{#proofError}}<div class="banner bad">No inclusion proof: {{proofError}}</div>{{/proofError}}
        <div class="actions"><a href="{{base}}/entries">Back to search</a></div>
        """
}
