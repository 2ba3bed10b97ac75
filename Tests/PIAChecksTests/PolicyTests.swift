import Foundation
import Testing

@testable import PIAChecks

@Suite("Policy")
struct PolicyTests {
    @Test("the shipped policy loads and sends no HKID, birth date or contact details")
    func shippedPolicy() throws {
        let url = Fixtures.packageRoot.appendingPathComponent("config/policy.yaml")
        let policy = try Policy.load(from: url)
        let purpose = try #require(policy.purpose(id: "gd-realname-account"))
        let names = Set(purpose.allowedAttributes.map(\.name))
        let forbidden: Set<String> = [
            "idcardnumber", "idNo", "hkid", "birthDate", "mobileNumber", "homeTelNumber", "officeTelNumber",
            "emailAddress", "residentialAddress", "postalAddress", "phone", "email",
        ]
        #expect(names.isDisjoint(with: forbidden))
        #expect(names.contains("age_over_18"))
        #expect(purpose.allowedAttribute(named: "age_over_18")?.requiredTransforms == ["age-over-18"])
        #expect(purpose.sensitiveAttributes.isEmpty)
        #expect(policy.sensitiveAttributes.isSuperset(of: ["idcardnumber", "birthDate"]))
        #expect(purpose.minimumAge == 18)
        #expect(purpose.encryptionRequired)
        #expect(Set(purpose.descriptions.keys) == ["zh-Hant", "zh-Hans", "en"])
        for recipient in policy.recipients {
            #expect(GreaterBayArea.contains(city: recipient.city))
            #expect(recipient.retentionDays <= purpose.maxRetentionDays)
        }
        #expect(purpose.allowedAttributes.allSatisfy { !$0.necessity.isEmpty })
    }

    @Test("lookups find registered recipients, purposes and consent versions only")
    func lookups() throws {
        let policy = try Fixtures.policy()
        #expect(policy.recipient(entityID: Fixtures.recipient)?.city == "Guangzhou")
        #expect(policy.recipient(entityID: "https://unknown.example") == nil)
        #expect(policy.purpose(id: Fixtures.purpose)?.requiredAssurance == .substantial)
        #expect(policy.consentTextVersion(id: "consent-v1") != nil)
        #expect(policy.consentTextVersion(id: "consent-v0") == nil)
    }

    @Test("a missing minimumAge means adults only")
    func defaultMinimumAge() throws {
        let yaml = Fixtures.policyYAML.replacingOccurrences(of: "    minimumAge: 18\n", with: "")
        let policy = try Policy.parse(yaml: yaml)
        #expect(policy.purpose(id: Fixtures.purpose)?.minimumAge == 18)
    }

    @Test("recipient names per page language, the filed name otherwise")
    func recipientNames() throws {
        let yaml = Fixtures.policyYAML.replacingOccurrences(
            of: "    city: Guangzhou\n", with: "    names:\n      en: Example Operator (English)\n      zh-Hant: 示例營運單位\n    city: Guangzhou\n")
        let recipient = try #require(try Policy.parse(yaml: yaml).recipient(entityID: Fixtures.recipient))
        #expect(recipient.name(in: "en") == "Example Operator (English)")
        #expect(recipient.name(in: "zh-Hant") == "示例營運單位")
        #expect(recipient.name(in: "zh-Hans") == recipient.legalEntity)
        let unknown = Fixtures.policyYAML.replacingOccurrences(
            of: "    city: Guangzhou\n", with: "    names:\n      fr: Opérateur\n    city: Guangzhou\n")
        #expect(throws: PolicyError.self) { try Policy.parse(yaml: unknown) }
    }

    /// Line number (1-based) of the first line containing `needle`.
    static func line(of needle: String, in text: String) -> Int? {
        text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) }.map { $0 + 1 }
    }

    @Test(
        "errors name the line and key",
        arguments: [
            ("    retentionDays: 365\n", "    retentionDays: soon\n", "retentionDays: soon", "recipients[0].retentionDays"),
            ("    city: Guangzhou\n", "    city: Guangzhou\n    cty: Guangzhou\n", "cty: Guangzhou", "recipients[0].cty"),
            ("    assurance: substantial\n", "    assurance: extreme\n", "assurance: extreme", "purposes[0].assurance"),
            (
                "      sha256: \(String(repeating: "ab", count: 32))\n", "      sha256: not-a-digest\n", "sha256: not-a-digest",
                "consent.textVersions[0].sha256"
            ),
            ("      filedOn: 2026-01-15\n", "      filedOn: 2026-02-30\n", "filedOn: 2026-02-30", "recipients[0].standardContract.filedOn"),
            (
                "    onwardTransferExcluded: true\n", "    onwardTransferExcluded: maybe\n", "onwardTransferExcluded: maybe",
                "recipients[0].onwardTransferExcluded"
            ),
        ])
    func errorsNameLineAndKey(original: String, replacement: String, marker: String, key: String) throws {
        let range = try #require(Fixtures.policyYAML.range(of: original))
        let yaml = Fixtures.policyYAML.replacingCharacters(in: range, with: replacement)
        let expectedLine = Self.line(of: marker, in: yaml)
        do {
            _ = try Policy.parse(yaml: yaml)
            Issue.record("policy with \(marker) was accepted")
        } catch let error as PolicyError {
            #expect(error.key == key)
            #expect(error.line == expectedLine)
            #expect(error.description.hasPrefix("line \(expectedLine ?? -1): \(key)"))
        }
    }

    @Test("a missing required key is named with the line of its parent")
    func missingKey() throws {
        let yaml = Fixtures.policyYAML.replacingOccurrences(of: "    contact: privacy@gd.example.cn\n", with: "")
        #expect(throws: PolicyError.self) { try Policy.parse(yaml: yaml) }
        do {
            _ = try Policy.parse(yaml: yaml)
        } catch let error as PolicyError {
            #expect(error.problem.contains("'contact'"))
            #expect(error.key == "recipients[0]")
            #expect(error.line == Self.line(of: "entityID: \(Fixtures.recipient)", in: yaml))
        }
    }

    @Test(
        "hostile documents are refused with a message, not a crash",
        arguments: [
            "", "[1, 2", "version: 2\n", "- a\n- b\n", "version: 1\nrecipients: {}\n",
            "version: 1\nconsent: {maxAgeSeconds: 1, textVersions: []}\nrecipients: []\npurposes: []\n",
            String(repeating: "[", count: 5000),
        ])
    func hostile(yaml: String) {
        #expect(throws: PolicyError.self) { try Policy.parse(yaml: yaml) }
    }

    @Test("duplicate recipients and sensitive attributes outside the purpose are refused")
    func semanticErrors() throws {
        let duplicate = Fixtures.policyYAML.replacingOccurrences(
            of: "https://rp.beijing.example.cn/saml", with: Fixtures.recipient)
        #expect(throws: PolicyError.self) { try Policy.parse(yaml: duplicate) }
        let sensitive = Fixtures.policyYAML.replacingOccurrences(
            of: "sensitiveAttributes: [idcardnumber]", with: "sensitiveAttributes: [faceImage]")
        #expect(throws: PolicyError.self) { try Policy.parse(yaml: sensitive) }
    }
}
