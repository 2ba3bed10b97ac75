import Foundation
import PIAChecks
import SAMLMapper
import Testing

@testable import FederationBridge

/// `bridge partner check`: a federation operator's view of a candidate
/// member, on metadata written by pysaml2 and signed by xmlsec1.
@Suite(.enabled(if: ExternalToolTests.tool("xmlsec1") != nil, "xmlsec1 is installed by scripts/test.sh"))
struct PartnerCheckTests {
    /// The shipped policy, with the pysaml2 OID SP as its recipient.
    static func policyText() throws -> String {
        let root = FederationFixtures.directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("config/policy.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "https://uia.gd.example.cn/saml/sp", with: FederationFixtures.oidEntityID)
    }

    /// The two pysaml2 SPs in one aggregate signed by a federation key.
    static func aggregate(_ fixtures: FederationFixtures, validUntil: Date) throws -> Data {
        let members = try FederationFixtures.entity("pysaml2-oid-sp") + FederationFixtures.entity("pysaml2-second-sp")
        return try fixtures.sign(FederationFixtures.aggregate(id: "_check", content: members, validUntil: validUntil), keyName: "federation")
    }

    @Test func reportsWhatWouldBeReleasedAndWithheldPerPurpose() throws {
        let fixtures = try FederationFixtures()
        defer { fixtures.remove() }
        let trust = try fixtures.federationKey("federation")
        let now = Date()
        let xml = try Self.aggregate(fixtures, validUntil: now.addingTimeInterval(7 * 86400))
        let policy = try Policy.parse(yaml: try Self.policyText())
        let reports = PartnerCheck(policy: policy, trustCertificatePEM: trust, now: now).check(xml)
        try #require(reports.map(\.entityID) == [FederationFixtures.oidEntityID, FederationFixtures.secondEntityID])

        let member = try #require(reports.first)
        let text = member.text
        #expect(text.contains("PASS  signature"))
        #expect(text.contains("PASS  certificate  signing: RSA 2048 bits"))
        #expect(text.contains("PASS  ACS          HTTP-POST https://oid.partner.example.cn/acs/post (default)"))
        #expect(text.contains("PASS  ACS          HTTP-Artifact https://oid.partner.example.cn/acs/artifact"))
        #expect(text.contains("released: cn as urn:oid:2.5.4.3 (uri), sex as urn:oid:1.3.6.1.4.1.25178.1.2.2 (uri)"), "\(text)")
        #expect(text.contains("withheld: urn:oid:0.9.2342.19200300.100.1.3 (uri): unknown-name"))
        // The shipped purpose requires encryption; pysaml2 published a signing key only.
        #expect(text.contains("FAIL  certificate  no encryption certificate"))
        #expect(!member.acceptable && text.contains("Verdict: NOT acceptable (1 failure)"))

        let stranger = reports[1].text
        #expect(stranger.contains("FAIL  recipient") && stranger.contains("released: nothing"))
        #expect(stranger.contains("urn:oid:2.5.4.3 (uri): not a recipient in the privacy policy"))

        // Another federation's key, and a later day: both named.
        let rogue = try fixtures.federationKey("rogue")
        let late = PartnerCheck(policy: policy, trustCertificatePEM: rogue, now: now.addingTimeInterval(8 * 86400)).check(xml)
        #expect(late.first?.text.contains("FAIL  signature") == true)
        #expect(late.first?.text.contains("FAIL  validUntil") == true)
        // Not metadata at all.
        let junk = PartnerCheck(policy: policy, trustCertificatePEM: nil, now: now).check(Data("<html/>".utf8))
        #expect(junk.count == 1 && junk[0].acceptable == false)
    }

    @Test func theCommandPrintsTheReportAndExitsByTheVerdict() throws {
        let fixtures = try FederationFixtures()
        defer { fixtures.remove() }
        _ = try fixtures.federationKey("federation")
        let metadata = fixtures.path("partner.xml")
        try Self.aggregate(fixtures, validUntil: Date().addingTimeInterval(7 * 86400)).write(to: URL(fileURLWithPath: metadata))
        let policy = fixtures.path("policy.yaml")
        try Self.policyText().write(toFile: policy, atomically: true, encoding: .utf8)

        let bridge = try MetadataExportTests.bridgeExecutable()
        let result = try ExternalToolTests.run(
            bridge, ["partner", "check", metadata, "--policy", policy, "--trust", fixtures.path("federation.crt")])
        #expect(result.status == 1, "a member fails: exit 1")
        #expect(result.output.contains("Partner \(FederationFixtures.oidEntityID)"))
        #expect(result.output.contains("released: cn as urn:oid:2.5.4.3 (uri)"))
        let usage = try ExternalToolTests.run(bridge, ["partner", "check", metadata])
        #expect(usage.status != 0 && usage.output.contains("--policy"))
    }
}
