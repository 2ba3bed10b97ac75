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
    let title: String
    let time: String
    let recipient: String
    let recipientLegalEntity: String
    let recipientContract: String
    let purpose: String
    let purposeDescription: String
    let legalBasis: String
    let decision: String
    let decisionText: String
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
    /// The proof's sentence; markup from our own table, values escaped.
    let proofText: String?

    init(base: String, record: ReviewRecord, context: ReviewPolicyContext, proof: Proof?, proofError: String?, language: Language) {
        func text(_ key: String, _ values: [String: String] = [:]) -> String { ReviewStrings.format(key, in: language, values) }
        let notInPolicy = text("entry.not_in_policy")
        self.base = base
        sequence = record.sequence
        title = text("entry.title", ["sequence": String(record.sequence)])
        time = ReviewFormat.readable(record.time)
        recipient = record.recipient
        let recipientInfo = context.recipient(record.recipient)
        recipientLegalEntity = recipientInfo?.legalEntity ?? notInPolicy
        recipientContract = recipientInfo.map { text("entry.filed", ["reference": $0.contractReference, "date": $0.contractFiledOn]) } ?? "—"
        purpose = record.purpose
        purposeDescription = context.purpose(record.purpose)?.description(in: language) ?? notInPolicy
        legalBasis = record.legalBasis
        decision = record.decision.rawValue
        decisionText = text("decision.\(record.decision.rawValue)")
        redacted = record.redacted
        checks = record.checks.map {
            Check(check: $0.check, result: text($0.passed ? "entry.pass" : "entry.fail"), passed: $0.passed, reason: $0.reason)
        }
        released = record.released.map { attribute in
            Attribute(
                name: attribute.name,
                transforms: attribute.transforms.isEmpty ? text("entry.none") : attribute.transforms.joined(separator: " → "),
                necessity: context.purpose(record.purpose)?.necessity[attribute.name] ?? "—")
        }
        consentTextVersion = record.consentTextVersion ?? text("entry.none_recorded")
        consentTextDigest = record.consentTextVersion.flatMap { context.consentTextDigest($0) } ?? "—"
        consentDigest = record.consentDigest ?? "—"
        subjectDigest = record.subjectDigest ?? "—"
        assertionID = record.assertionID ?? "—"
        self.proof = proof
        self.proofError = proofError.map { text("entry.no_proof", ["error": $0]) }
        proofText = proof.map { proof in
            func code(_ value: String) -> String { "<code>\(ReviewChart.escape(value))</code>" }
            return text(
                "entry.proof_text",
                [
                    "leaf": String(proof.leafIndex), "size": String(proof.treeSize), "signer": code(proof.signer),
                    "leafHash": code(proof.leafHash), "root": code(proof.rootHash),
                ])
        }
    }

    static let template = """
        <h1>{{title}} <span class="{{decision}}">{{decisionText}}</span></h1>
        {{#redacted}}<div class="banner bad">{{t.entry_redacted}}</div>{{/redacted}}
        <div class="panel">
        <table class="facts">
        <tr><th>{{t.entry_time}}</th><td>{{time}}</td></tr>
        <tr><th>{{t.rows_recipient}}</th><td><code>{{recipient}}</code><br>{{recipientLegalEntity}}</td></tr>
        <tr><th>{{t.entry_contract}}</th><td>{{recipientContract}}</td></tr>
        <tr><th>{{t.rows_purpose}}</th><td>{{purpose}}<br><span class="muted">{{purposeDescription}}</span></td></tr>
        <tr><th>{{t.entry_legal_basis}}</th><td>{{legalBasis}}</td></tr>
        <tr><th>{{t.entry_consent_version}}</th><td>{{consentTextVersion}} <span class="muted">sha256 {{consentTextDigest}}</span></td></tr>
        <tr><th>{{t.entry_consent_digest}}</th><td><code>{{consentDigest}}</code></td></tr>
        <tr><th>{{t.entry_subject}}</th><td><code>{{subjectDigest}}</code></td></tr>
        <tr><th>{{t.entry_assertion}}</th><td><code>{{assertionID}}</code></td></tr>
        </table>
        </div>
        <h2>{{t.entry_checks}}</h2>
        <table class="checks">
        <thead><tr><th>{{t.entry_check}}</th><th>{{t.entry_result}}</th><th>{{t.entry_reason}}</th></tr></thead>
        <tbody>
        {{#checks}}<tr><td><code>{{check}}</code></td><td class="{{#passed}}pass{{/passed}}{{^passed}}fail{{/passed}}">{{result}}</td><td>{{reason}}</td></tr>
        {{/checks}}
        </tbody>
        </table>
        <h2>{{t.entry_released}}</h2>
        <table class="released">
        <thead><tr><th>{{t.entry_attribute}}</th><th>{{t.entry_transforms}}</th><th>{{t.entry_necessity}}</th></tr></thead>
        <tbody>
        {{#released}}<tr><td><code>{{name}}</code></td><td>{{transforms}}</td><td>{{necessity}}</td></tr>
        {{/released}}
        {{^released}}<tr><td colspan="3" class="muted">{{t.entry_nothing}}</td></tr>{{/released}}
        </tbody>
        </table>
        <h2>{{t.entry_proof}}</h2>
        {{#proof}}
        <p>{{{proofText}}}</p>
        <p class="noprint"><a href="{{base}}/entries/{{sequence}}/proof" download>{{t.entry_download}}</a></p>
        <h3>{{t.entry_checkpoint}}</h3>
        <pre class="checkpoint">{{checkpoint}}</pre>
        <h3>{{t.entry_audit_path}}</h3>
        <pre>{{#auditPath}}{{.}}
        {{/auditPath}}</pre>
        {{/proof}}
        {{#proofError}}<div class="banner bad">{{proofError}}</div>{{/proofError}}
        <div class="actions"><a href="{{base}}/entries">{{t.entry_back}}</a></div>
        """
}
