import Foundation
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// A partner as real federations onboard one: attributes requested by OID
/// are answered by OID, what is not released is logged by name with why,
/// and a bad policy reload keeps the old policy and says so in `/readyz`.
@Suite struct PartnerOnboardingTests {
    /// Re-publishes the sandbox relying party's metadata requesting `names`
    /// (a `urn:` name with NameFormat uri, others basic), signed by the federation key.
    static func requestAttributes(_ names: [String], harness: FederationHarness) throws {
        var writer = harness.relyingParty.metadataWriter(baseURL: harness.relyingPartyURL)
        writer.requestedAttributes = names
        let signer = EnvelopedSigner(key: try SigningKey(pem: try harness.federation.text("keys/federation-key.pem")))
        try writer.signedXML(signer).write(to: harness.federation.url("metadata/guangdong-sandbox.xml"), options: .atomic)
        harness.flow.registry.reload()
    }

    @Test func anOIDRequestIsAnsweredByOIDAndTheRestIsLoggedAsWithheld() async throws {
        let logs = LogRecorder()
        try await FederationHarness.run(logs: logs) { harness in
            try Self.requestAttributes(
                [
                    "urn:oid:2.5.4.3", "urn:oid:0.9.2342.19200300.100.1.3", GuangdongAttribute.pairwiseID.rawValue, "usertype", "isreal",
                    "name_matches",
                ], harness: harness)
            let run = try await harness.signIn(as: "adult-basic", binding: .post)
            let outcome = try #require(run.outcome)
            #expect(outcome.verified, "\(outcome.problem ?? "")")
            let cn = try #require(outcome.attributes.first { $0.name == "urn:oid:2.5.4.3" }, "\(outcome.attributes.map(\.name))")
            #expect(cn.nameFormat == SAMLAttribute.uriNameFormat && cn.friendlyName == "cn" && cn.values == ["沙盒基本"])
            #expect(!outcome.attributes.contains { $0.name == "cn" })
            #expect(outcome.attributes.contains { $0.name == "usertype" && $0.nameFormat == SAMLAttribute.basicNameFormat })
            // The transfer log and the checks keep the platform's names.
            #expect(try await harness.logEntries().last?.attributes.contains("cn") == true)

            let withheld = try #require(logs.records.first { $0.message == "requested attributes withheld" })
            let text = withheld.text
            #expect(text.contains("urn:oid:0.9.2342.19200300.100.1.3 (uri)=unknown-name"))
            #expect(text.contains("name_matches (basic)=no-claim"))
            #expect(!text.contains("沙盒") && !text.contains("SANDBOX"), "names and reasons only, never values")
        }
    }

    @Test func aBadPolicyReloadKeepsTheOldPolicyAndSaysWhy() async throws {
        try await FederationHarness.run { harness in
            let policies = harness.flow.policies
            let good = try String(contentsOf: policies.file, encoding: .utf8)
            // Not YAML the policy accepts: refused, the old one stays.
            try (good + "\nunexpected: true\n").write(to: policies.file, atomically: true, encoding: .utf8)
            #expect(policies.reload() == false)
            #expect(policies.current.recipients.count == 1)
            let report = await harness.services.readiness.evaluate()
            let probe = try #require(report.probes.first { $0.name == "policy" })
            #expect(probe.ready, "the old policy is in force: the probe stays ready")
            #expect(probe.degraded?.contains("policy reload refused") == true && probe.degraded?.contains("unexpected") == true)
            let page = try await harness.browser.request(try harness.url(harness.bridgeURL + "/readyz"))
            #expect(page.body.contains("policy reload refused"), "\(page.body)")
            // Sign-in still works on the old policy.
            #expect(try await harness.signIn(as: "adult-basic", binding: .post).outcome?.verified == true)

            // An attribute the bridge cannot release is a validation error too.
            try good.replacingOccurrences(of: "- name: \"usertype\"", with: "- name: \"mobile\"")
                .write(to: policies.file, atomically: true, encoding: .utf8)
            #expect(policies.reload() == false)
            #expect(policies.problem?.contains("mobile") == true)

            // A new recipient: in force without a restart, and the degradation clears.
            let added = FederationHarness.policy(
                good, addingRecipient: "https://new.partner.example.cn/sp", legalEntity: "New partner", filingReference: "GBA-SC-2026-0099")
            #expect(added != good)
            try added.write(to: policies.file, atomically: true, encoding: .utf8)
            #expect(policies.reload())
            #expect(policies.current.recipient(entityID: "https://new.partner.example.cn/sp") != nil)
            #expect(policies.problem == nil)
            let ready = await harness.services.readiness.evaluate()
            let cleared = try #require(ready.probes.first { $0.name == "policy" })
            #expect(cleared.ready && cleared.degraded == nil)
        }
    }

    @Test func theReviewerPagesFollowAReloadedPolicy() async throws {
        try await FederationHarness.run(allPages: true) { harness in
            let newPartner = "https://new.partner.example.cn/sp"
            let before = try await FailureReferenceTests.search(harness, "")
            #expect(before.status == 200 && !before.body.contains(newPartner))

            let policies = harness.flow.policies
            let good = try String(contentsOf: policies.file, encoding: .utf8)
            let added = FederationHarness.policy(good, addingRecipient: newPartner, legalEntity: "New partner", filingReference: "GBA-SC-2026-0099")
            try added.write(to: policies.file, atomically: true, encoding: .utf8)
            #expect(policies.reload())

            // The search offers the new recipient without a restart.
            let after = try await FailureReferenceTests.search(harness, "")
            #expect(after.status == 200 && after.body.contains(newPartner))
        }
    }
}
