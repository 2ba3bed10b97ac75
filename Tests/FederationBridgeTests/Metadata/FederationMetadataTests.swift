import Foundation
import Logging
import SAMLMapper
import Testing

@testable import FederationBridge

/// Federation metadata as federations publish it: signed `EntitiesDescriptor`
/// aggregates (nested, `validUntil` and `cacheDuration` honoured) of SP
/// descriptors written by pysaml2, signed by xmlsec1 with keys from openssl.
@Suite(.enabled(if: ExternalToolTests.tool("xmlsec1") != nil, "xmlsec1 is installed by scripts/test.sh"))
struct FederationMetadataTests {
    static let now = Date()

    /// The two pysaml2 SPs (the second in a nested group that expires sooner), an
    /// IdP-only member, and a member whose certificate is not base64.
    static func members(nestedUntil: Date) throws -> String {
        let idp = """
            <md:EntityDescriptor entityID="https://idp.partner.example.cn/idp"><md:IDPSSODescriptor \
            protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService \
            Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.partner.example.cn/sso"/>\
            </md:IDPSSODescriptor></md:EntityDescriptor>
            """
        let broken = try FederationFixtures.entity("pysaml2-second-sp")
            .replacingOccurrences(of: FederationFixtures.secondEntityID, with: "https://broken.partner.example.cn/sp")
            .replacingOccurrences(of: "<ns1:X509Certificate>", with: "<ns1:X509Certificate>%%%not-base64%%%")
        return try FederationFixtures.entity("pysaml2-oid-sp") + idp
            + FederationFixtures.group(try FederationFixtures.entity("pysaml2-second-sp") + broken, validUntil: nestedUntil, cacheDuration: "PT30M")
    }

    @Test func aSignedNestedAggregateIsReadMemberByMember() throws {
        let fixtures = try FederationFixtures()
        defer { fixtures.remove() }
        let oldKey = try fixtures.federationKey("federation-2025")
        let newKey = try fixtures.federationKey("federation-2026")
        let rootUntil = Self.now.addingTimeInterval(7 * 86400)
        let nestedUntil = Self.now.addingTimeInterval(2 * 86400)
        let signed = try fixtures.sign(
            FederationFixtures.aggregate(
                id: "_agg1", content: try Self.members(nestedUntil: nestedUntil), validUntil: rootUntil, cacheDuration: "PT6H"),
            keyName: "federation-2026")

        // Both keys trusted during a rollover: the new one signed.
        let keys = try [oldKey, newKey].map { try SigningPublicKey(pem: $0) }
        let document = try FederationMetadata.load(signed, federationKeys: keys, now: Self.now)
        #expect(document.serviceProviders.map(\.entityID) == [FederationFixtures.oidEntityID, FederationFixtures.secondEntityID])
        let first = try #require(document.serviceProviders.first)
        #expect(first.validUntil.map { abs($0.timeIntervalSince(rootUntil)) < 1 } == true, "no own validUntil: the aggregate's")
        #expect(document.serviceProviders[1].validUntil.map { abs($0.timeIntervalSince(nestedUntil)) < 1 } == true, "the nested group's is earlier")
        #expect(document.cacheDuration == 1800, "the shortest cacheDuration in the document")
        #expect(document.refused.map(\.entityID) == ["https://broken.partner.example.cn/sp"], "refused alone; the IdP is skipped")

        // Only the old key: not signed by a trusted key.
        #expect(throws: (any Error).self) { try FederationMetadata.load(signed, federationKeys: [keys[0]], now: Self.now) }
        // Tampered after signing.
        let tampered = Data(String(decoding: signed, as: UTF8.self).replacingOccurrences(of: "/acs/post", with: "/acs/evil").utf8)
        #expect(throws: (any Error).self) { try FederationMetadata.load(tampered, federationKeys: keys, now: Self.now) }
        // Past the nested group's validUntil the whole group is refused, and with it the document.
        #expect(throws: MetadataError.self) { try FederationMetadata.load(signed, federationKeys: keys, now: nestedUntil.addingTimeInterval(60)) }
        // Unsigned aggregates are refused when a signature is required.
        let unsigned = FederationFixtures.aggregate(id: "_agg2", content: try Self.members(nestedUntil: nestedUntil), validUntil: rootUntil)
            .replacingOccurrences(of: #"<ds:Signature[\s\S]*</ds:Signature>"#, with: "", options: .regularExpression)
        #expect(throws: MetadataError.unsigned) { try FederationMetadata.load(Data(unsigned.utf8), federationKeys: keys, now: Self.now) }
    }

    /// Hostile shapes: a signed aggregate wrapped in an unsigned one with an
    /// extra member, a signed member lifted into an unsigned aggregate, and
    /// one entityID described twice.
    @Test func wrappedAndDuplicatedMembersAreRefused() throws {
        let fixtures = try FederationFixtures()
        defer { fixtures.remove() }
        let key = try SigningPublicKey(pem: try fixtures.federationKey("federation"))
        let until = Self.now.addingTimeInterval(86400)
        let signed = String(
            decoding: try fixtures.sign(
                FederationFixtures.aggregate(id: "_agg1", content: try FederationFixtures.entity("pysaml2-oid-sp"), validUntil: until),
                keyName: "federation"), as: UTF8.self)
        var body = signed
        if body.hasPrefix("<?xml"), let end = body.range(of: "?>") { body = String(body[end.upperBound...]) }
        let evil = try FederationFixtures.entity("pysaml2-second-sp", validUntil: until)
        let wrapped = "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">\(body)\(evil)</md:EntitiesDescriptor>"
        #expect(throws: MetadataError.unsigned) { try FederationMetadata.load(Data(wrapped.utf8), federationKeys: [key], now: Self.now) }

        let member = try fixtures.sign(
            try FederationFixtures.signableEntity("pysaml2-oid-sp", id: "_m1", validUntil: until), keyName: "federation", element: "EntityDescriptor")
        var lifted = String(decoding: member, as: UTF8.self)
        if lifted.hasPrefix("<?xml"), let end = lifted.range(of: "?>") { lifted = String(lifted[end.upperBound...]) }
        let unsignedGroup = "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">\(lifted)</md:EntitiesDescriptor>"
        #expect(throws: MetadataError.unsigned) { try FederationMetadata.load(Data(unsignedGroup.utf8), federationKeys: [key], now: Self.now) }

        let twice = try fixtures.sign(
            FederationFixtures.aggregate(
                id: "_agg2", content: try FederationFixtures.entity("pysaml2-oid-sp") + FederationFixtures.entity("pysaml2-oid-sp"), validUntil: until
            ),
            keyName: "federation")
        let document = try FederationMetadata.load(twice, federationKeys: [key], now: Self.now)
        #expect(document.serviceProviders.map(\.entityID) == [FederationFixtures.oidEntityID])
        #expect(document.refused.first?.reason.contains("twice") == true)
    }

    @Test func cacheDurationsAreXMLSchemaDurations() {
        #expect(XMLSchemaDuration.seconds("PT6H") == 21600)
        #expect(XMLSchemaDuration.seconds("P1DT30M") == 88200)
        #expect(XMLSchemaDuration.seconds("PT1.5S") == 1.5)
        #expect(XMLSchemaDuration.seconds("P0D") == 0)
        for bad in ["", "P", "PT", "6H", "PT6", "P1.5D", "-PT6H", "PTXH", "P1H"] {
            #expect(XMLSchemaDuration.seconds(bad) == nil, "\(bad)")
        }
    }

    /// One aggregate and one bad file: the bad partner is degraded alone,
    /// named in `/readyz`'s probe, and the service stays ready.
    @Test func oneBadPartnerIsDegradedAlone() throws {
        let fixtures = try FederationFixtures()
        defer { fixtures.remove() }
        let oldKey = try fixtures.federationKey("federation-2025")
        let newKey = try fixtures.federationKey("federation-2026")
        let folder = fixtures.scratch.appendingPathComponent("metadata")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rootUntil = Self.now.addingTimeInterval(7 * 86400)
        let aggregate = try fixtures.sign(
            FederationFixtures.aggregate(
                id: "_agg1", content: try Self.members(nestedUntil: rootUntil), validUntil: rootUntil, cacheDuration: "PT6H"),
            keyName: "federation-2025")
        try aggregate.write(to: folder.appendingPathComponent("federation.xml"))
        // A member published on its own, signed by a key nobody trusts.
        _ = try fixtures.federationKey("rogue")
        let single = try fixtures.sign(
            try FederationFixtures.signableEntity(
                "pysaml2-oid-sp", id: "_rogue", validUntil: rootUntil
            )
            .replacingOccurrences(of: FederationFixtures.oidEntityID, with: "https://rogue.partner.example.cn/sp"),
            keyName: "rogue", element: "EntityDescriptor")
        try single.write(to: folder.appendingPathComponent("rogue.xml"))

        let registry = try PartnerMetadataRegistry(directory: folder, trustCertificatePEM: oldKey + newKey)
        registry.reload(now: Self.now)
        #expect(registry.serviceProviders(now: Self.now).map(\.entityID) == [FederationFixtures.oidEntityID, FederationFixtures.secondEntityID])
        #expect(registry.readinessProblem(now: Self.now) == nil, "partners work: ready")
        let degraded = try #require(registry.degradation(now: Self.now))
        #expect(degraded.contains("rogue.xml") && degraded.contains("https://broken.partner.example.cn/sp"))
        #expect(!degraded.contains(FederationFixtures.oidEntityID))
        #expect(registry.nextRefresh().map { abs($0.timeIntervalSince(Self.now) - 1800) < 1 } == true, "the nested cacheDuration PT30M")
        #expect(MetadataRefresher.wait(interval: .seconds(86400), refreshBy: registry.nextRefresh(), now: Self.now) == .seconds(1800))
        #expect(MetadataRefresher.wait(interval: .seconds(600), refreshBy: registry.nextRefresh(), now: Self.now) == .seconds(600))

        // Trust rolls over to the new key only: the aggregate signed with the old one is refused,
        // but its members stay in use until their validUntil.
        let rolled = try PartnerMetadataRegistry(directory: folder, trustCertificatePEM: newKey)
        rolled.reload(now: Self.now)
        #expect(rolled.serviceProviders(now: Self.now).isEmpty)
        #expect(rolled.readinessProblem(now: Self.now)?.contains("federation.xml") == true, "no partner at all: not ready")
    }

    @Test func aTrustFileWithoutCertificatesIsRefused() throws {
        #expect(throws: PartnerMetadataError.self) {
            try PartnerMetadataRegistry(directory: URL(fileURLWithPath: "/nonexistent"), trustCertificatePEM: "no certificate here")
        }
    }
}
