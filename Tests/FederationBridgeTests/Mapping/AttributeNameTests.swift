import Foundation
import SAMLMapper
import Testing

@testable import FederationBridge

/// Attribute names as partners write them: matched by (Name, NameFormat)
/// through the registered names, answered in the form requested, and what
/// is not released is reported with why.
@Suite struct AttributeNameTests {
    static let uri = SAMLAttribute.uriNameFormat
    static let basic = SAMLAttribute.basicNameFormat

    @Test func namesMatchOnlyWithTheirNameFormat() {
        #expect(GuangdongAttribute.resolve(name: "cn", nameFormat: Self.basic)?.attribute == .chineseName)
        #expect(GuangdongAttribute.resolve(name: "urn:oid:2.5.4.3", nameFormat: Self.uri)?.form.name == "urn:oid:2.5.4.3")
        #expect(GuangdongAttribute.resolve(name: "urn:oid:1.3.6.1.4.1.25178.1.2.2", nameFormat: Self.uri)?.attribute == .sex)
        // No NameFormat (or unspecified) matches by Name alone.
        #expect(GuangdongAttribute.resolve(name: "urn:oid:2.5.4.3", nameFormat: nil)?.attribute == .chineseName)
        #expect(GuangdongAttribute.resolve(name: "cn", nameFormat: AttributeName.unspecifiedNameFormat)?.form.nameFormat == Self.basic)
        // A name under the wrong NameFormat is not that attribute.
        #expect(GuangdongAttribute.resolve(name: "cn", nameFormat: Self.uri) == nil)
        #expect(GuangdongAttribute.resolve(name: "urn:oid:2.5.4.3", nameFormat: Self.basic) == nil)
        #expect(GuangdongAttribute.resolve(name: GuangdongAttribute.pairwiseID.rawValue, nameFormat: Self.basic) == nil)
        #expect(GuangdongAttribute.resolve(name: "urn:oid:2.5.4.3", nameFormat: "urn:example:other") == nil)
        // The platform's own form stays first, so unrequested output is unchanged.
        for attribute in GuangdongAttribute.allCases {
            #expect(attribute.registeredNames.first?.nameFormat == attribute.nameFormat)
            #expect(attribute.registeredNames.first?.name == attribute.rawValue)
        }
    }

    /// SP metadata written by pysaml2 asks by OID with NameFormat uri, the
    /// default of common SP software.
    @Test func pysaml2RequestsAreMatchedAndAnsweredInTheirForm() throws {
        let xml = try Data(contentsOf: FederationFixtures.directory.appendingPathComponent("pysaml2-oid-sp.xml"))
        let provider = try ServiceProviderMetadata(element: try XMLDocument(parsing: xml).root)
        let requests = RequestedAttributes(provider.requestedAttributes)
        #expect(requests.forms[.chineseName]?.name == "urn:oid:2.5.4.3")
        #expect(requests.forms[.sex]?.name == "urn:oid:1.3.6.1.4.1.25178.1.2.2")
        #expect(requests.unknown.map(\.name) == ["urn:oid:0.9.2342.19200300.100.1.3"], "mail is not an attribute of the bridge")

        let planner = ReleasePlanner(purposeAllows: ["cn", "en_name"], requested: provider.requestedAttributes, claimMode: false)
        #expect(planner.releasable == ["cn"])
        let answered = planner.answering([ReleasedAttribute(name: .chineseName, values: ["陳大文"], transforms: [.verbatim])])
        #expect(answered.first?.attribute.name == "urn:oid:2.5.4.3")
        #expect(answered.first?.attribute.nameFormat == Self.uri)
        #expect(answered.first?.attribute.friendlyName == "cn")
        #expect(answered.first?.name == .chineseName, "the policy, checks and log keep the platform name")

        let withheld = planner.withheldRequests(mapped: [.chineseName: .notVerified]).map(\.description)
        #expect(
            withheld == [
                "urn:oid:0.9.2342.19200300.100.1.3 (uri)=unknown-name",
                "urn:oid:1.3.6.1.4.1.25178.1.2.2 (uri)=not-in-purpose",
                "urn:oid:2.5.4.3 (uri)=not-produced:not-verified",
            ])
    }

    @Test func claimModeWithholdsComparedValuesByName() {
        let requested = ["cn", "name_matches"].map { ServiceProviderMetadata.RequestedAttribute(name: $0, nameFormat: Self.basic) }
        let claims = ReleasePlanner(purposeAllows: ["cn", "name_matches"], requested: requested, claimMode: true)
        #expect(claims.withheldRequests.map(\.description) == ["cn (basic)=compared-only"])
        let plain = ReleasePlanner(purposeAllows: ["cn", "name_matches"], requested: requested, claimMode: false)
        #expect(plain.withheldRequests.map(\.description) == ["name_matches (basic)=no-claim"])
    }
}
