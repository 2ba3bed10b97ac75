import IAMSmart
import PIAChecks
import SAMLMapper
import Testing

@testable import FederationBridge

/// What to ask iAM Smart for, what may be released and what a sign-in is
/// worth, decided without HTTP.
@Suite struct ReleasePlannerTests {
    static let purpose: Set<String> = ["cn", "cn_hans", "en_name", "sex", "age_over_18", "name_matches", "birthdate_matches", "isreal"]

    /// RequestedAttributes with the basic NameFormat, as the sandbox writes them.
    static func requests(_ names: Set<String>) -> [ServiceProviderMetadata.RequestedAttribute] {
        names.sorted().map { ServiceProviderMetadata.RequestedAttribute(name: $0, nameFormat: SAMLAttribute.basicNameFormat) }
    }

    @Test func releasesOnlyWhatThePurposeAllowsAndThePartnerRequests() {
        let planner = ReleasePlanner(purposeAllows: Self.purpose, requested: Self.requests(["cn", "sex", "idcardnumber"]), claimMode: false)
        #expect(planner.releasable == ["cn", "sex"], "idcardnumber is requested but not allowed")
        #expect(planner.profileFields == [.chName, .chNameVerified, .gender])
    }

    @Test func claimModeReleasesMatchResultsAndNeverTheComparedValues() {
        let all = ReleasePlanner(purposeAllows: Self.purpose, requested: Self.requests(Self.purpose), claimMode: true)
        #expect(all.releasable.isDisjoint(with: ["cn", "cn_hans", "en_name"]))
        #expect(all.releasable.isSuperset(of: ["name_matches", "birthdate_matches"]))
        #expect(Set(all.profileFields).isSuperset(of: [.chName, .enName, .birthDate]), "the values are fetched to compare")
        let plain = ReleasePlanner(purposeAllows: Self.purpose, requested: Self.requests(Self.purpose), claimMode: false)
        #expect(plain.releasable.isDisjoint(with: ["name_matches", "birthdate_matches"]))
    }

    @Test func aMinimumAgeFetchesTheBirthDateWithoutReleasingIt() {
        let planner = ReleasePlanner(purposeAllows: ["cn"], requested: Self.requests(["cn"]), claimMode: false, minimumAge: 18)
        #expect(planner.profileFields.contains(.birthDate))
        #expect(!planner.releasable.contains("age_over_18"))
        let none = ReleasePlanner(purposeAllows: [], requested: Self.requests(["cn"]), claimMode: false)
        #expect(none.releasable.isEmpty && none.profileFields.isEmpty, "nothing allowed, nothing asked")
    }

    @Test func assuranceMapping() {
        let basic = Assurance(level: .basic, faceRecognitionUsed: false)
        let basicFace = Assurance(level: .basic, faceRecognitionUsed: true)
        let plus = Assurance(level: .plus, faceRecognitionUsed: false)
        #expect(ReleasePlanner.assuranceLevel(basic) == .substantial)
        #expect(ReleasePlanner.assuranceLevel(basicFace) == .high)
        #expect(ReleasePlanner.assuranceLevel(plus) == .high)
        #expect(AuthnContextClass.obtained(by: basic) == [.iamSmart])
        #expect(AuthnContextClass.obtained(by: plus) == [.iamSmart, .iamSmartPlus])
        #expect(AuthnContextClass.obtained(by: basicFace) == [.iamSmart, .faceVerified])
        // Never more than obtained: a basic sign-in asked for "at least plus" gets nothing.
        #expect(
            AuthnContextClass.asserted(for: basic, requested: .init(comparison: .minimum, classRefs: [AuthnContextClass.iamSmartPlus.rawValue]))
                == nil)
        #expect(AuthnContextClass.asserted(for: basic, requested: nil) == .iamSmart)
        #expect(AuthnContextClass.asserted(for: plus, requested: nil) == .iamSmartPlus)
        #expect(
            AuthnContextClass.asserted(for: basicFace, requested: .init(comparison: .exact, classRefs: [AuthnContextClass.iamSmartPlus.rawValue]))
                == nil)
    }
}
