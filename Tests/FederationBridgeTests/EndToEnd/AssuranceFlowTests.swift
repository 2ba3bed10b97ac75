import Foundation
import PIAChecks
import SAMLMapper
import Sandbox
import Testing

@testable import FederationBridge

/// The asserted authentication context is what iAM Smart delivered, judged
/// against the relying party's RequestedAuthnContext after sign-in; what
/// cannot be met is answered with a signed `Responder/NoAuthnContext`.
@Suite(.serialized) struct AssuranceFlowTests {
    static let basic = AuthnContextClass.iamSmart.rawValue
    static let plus = AuthnContextClass.iamSmartPlus.rawValue
    static let face = AuthnContextClass.faceVerified.rawValue

    @Test func plainIAMSmartIsNeverAssertedAsPlus() async throws {
        try await FederationHarness.run { harness in
            let requests: [AuthnRequest.RequestedAuthnContext?] = [
                nil, .init(comparison: .minimum, classRefs: [Self.basic]), .init(comparison: .exact, classRefs: [Self.basic]),
                .init(comparison: .maximum, classRefs: [Self.plus]),
            ]
            for requested in requests {
                let run = try await harness.signIn(as: "adult-basic", binding: .post, requestedAuthnContext: requested)
                let outcome = try #require(run.outcome)
                #expect(outcome.verified && outcome.isSuccess, "\(String(describing: requested)): \(outcome.statusMessage ?? "")")
                #expect(outcome.authnContextClassRef == Self.basic, "\(String(describing: requested))")
                #expect(outcome.attribute(GuangdongAttribute.creditableLevel.rawValue) != nil)
            }
            let plus = try await harness.signIn(as: "adult-plus", binding: .post)
            #expect(plus.outcome?.authnContextClassRef == Self.plus, "an iAM Smart+ sign-in is asserted as plus")
        }
    }

    @Test func aFaceMatchIsObtainedByReauthenticationWhenTheRequestNeedsIt() async throws {
        try await FederationHarness.run { harness in
            let requested = AuthnRequest.RequestedAuthnContext(comparison: .minimum, classRefs: [Self.face])
            let run = try await harness.signIn(as: "adult-basic", binding: .post, requestedAuthnContext: requested)
            let outcome = try #require(run.outcome)
            #expect(outcome.verified && outcome.isSuccess, "\(outcome.statusMessage ?? "") \(outcome.problem ?? "")")
            #expect(outcome.authnContextClassRef == Self.face, "the asserted context reflects the face re-authentication")
            #expect(try await harness.logEntries().map(\.decision) == ["transfer"])
        }
    }

    @Test(arguments: [RelyingPartyOutcome.Binding.post, .artifact])
    func anUnmetRequestAfterSignInGetsNoAuthnContext(binding: RelyingPartyOutcome.Binding) async throws {
        try await FederationHarness.run { harness in
            // Only an iAM Smart+ account meets these, which no re-authentication can give.
            for requested in [
                AuthnRequest.RequestedAuthnContext(comparison: .exact, classRefs: [Self.plus]),
                .init(comparison: .exact, classRefs: [Self.plus, "urn:example:ac:unknown"]),
            ] {
                let run = try await harness.signIn(as: "adult-basic", binding: binding, requestedAuthnContext: requested)
                let outcome = try #require(run.outcome, "the RP gets a signed status")
                #expect(outcome.verified, "\(outcome.problem ?? "")")
                #expect(outcome.statusCode == SAMLStatus.responder)
                #expect(outcome.subStatusCode == SAMLStatus.noAuthnContext)
                #expect(outcome.attributes.isEmpty && outcome.decryptedAssertions.isEmpty)
                #expect(run.consentPage == nil, "nothing to consent to")
                #expect(run.deliveryPage?.errorCode == FlowError.Code.authnContextUnavailable.rawValue)
            }
            #expect(try await harness.logEntries().isEmpty, "no transfer was attempted")
        }
    }

    @Test func aRequestNoSignInCanMeetIsAnsweredBeforeSignIn() async throws {
        try await FederationHarness.run { harness in
            let (url, requestID) = try await harness.relyingParty.authnRequestURL(
                binding: .post, overrides: .init(requestedAuthnContext: .init(comparison: .exact, classRefs: ["urn:example:ac:unknown"])))
            let page = try await harness.browser.open(try harness.url(url))
            #expect(page.errorCode == FlowError.Code.authnContextUnavailable.rawValue)
            #expect(page.status == 403)
            let back = try #require(page.forms.first { $0.action.absoluteString.hasPrefix(harness.relyingPartyURL) }, "a form back to the ACS")
            _ = try await harness.browser.submit(back)
            let outcome = try #require(await harness.relyingParty.outcomes().last)
            #expect(outcome.verified && outcome.inResponseTo == requestID)
            #expect(outcome.subStatusCode == SAMLStatus.noAuthnContext)
        }
    }
}
