import Foundation
import Testing

@testable import SAMLMapper

/// `LogoutMessageValidator`: signed LogoutRequests and LogoutResponses are
/// read from what the signature covers; everything else is refused with its
/// own error before anything is read.
@Suite struct LogoutMessageValidatorTests {
    static let slo = "https://idp.example.org/saml/slo"

    func validator() throws -> LogoutMessageValidator {
        LogoutMessageValidator(sloEndpoints: [Self.slo], serviceProviders: [try MetadataAndValidatorTests().spMetadata()])
    }

    func request(
        destination: String? = LogoutMessageValidatorTests.slo, issueInstant: Date = Date(), notOnOrAfter: Date? = nil,
        issuer: String = MetadataAndValidatorTests.spEntity
    ) -> LogoutRequest {
        LogoutRequest(
            issueInstant: issueInstant, destination: destination, issuer: issuer,
            nameID: NameID(value: "PAIRWISE", nameQualifier: "https://idp.example.org", spNameQualifier: issuer), sessionIndexes: ["_s1"],
            notOnOrAfter: notOnOrAfter)
    }

    func redirect(_ xml: String, parameter: String = "SAMLRequest", key: SigningKey? = Fixtures.rsa) throws -> RedirectBinding.Message {
        try RedirectBinding.decode(query: try RedirectBinding.encode(Data(xml.utf8), parameter: parameter, relayState: "rs", key: key))
    }

    func refusal(_ body: () throws -> Void) -> (any Error)? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsSignedMessagesOnBothBindings() throws {
        let sent = request()
        let accepted = try validator().validate(redirect: try redirect(sent.builder.xmlString()))
        guard case .request(let read) = accepted.message else { throw SAMLProtocolError.invalid("expected a LogoutRequest") }
        #expect(read.id == sent.id && read.nameID.value == "PAIRWISE" && read.sessionIndexes == ["_s1"])
        #expect(accepted.binding == MetadataEndpoint.redirectBinding && accepted.relayState == "rs")

        let response = LogoutResponse(inResponseTo: "_r1", destination: Self.slo, issuer: MetadataAndValidatorTests.spEntity)
        let signed = try EnvelopedSigner(key: Fixtures.rsa).signedXML(response.builder.xmlString())
        let post = try validator().validate(post: signed, parameter: "SAMLResponse", relayState: nil)
        guard case .response(let answer) = post.message else { throw SAMLProtocolError.invalid("expected a LogoutResponse") }
        #expect(answer.inResponseTo == "_r1" && answer.status.isSuccess && post.binding == MetadataEndpoint.postBinding)
    }

    @Test func refusesUnsignedWrongKeyAndMisplacedMessages() throws {
        let v = try validator()
        let xml = request().builder.xmlString()
        #expect(
            refusal { _ = try v.validate(redirect: try redirect(xml, key: nil)) } as? LogoutMessageError
                == .signatureRequired(issuer: MetadataAndValidatorTests.spEntity))
        #expect(
            refusal { _ = try v.validate(post: Data(xml.utf8), parameter: "SAMLRequest", relayState: nil) } as? LogoutMessageError
                == .signatureRequired(issuer: MetadataAndValidatorTests.spEntity))
        #expect(refusal { _ = try v.validate(redirect: try redirect(xml, key: .rsa(Fixtures.otherRSAKey))) } as? BindingError == .signatureInvalid)
        let otherKey = try EnvelopedSigner(key: .rsa(Fixtures.otherRSAKey)).signedXML(xml)
        #expect(refusal { _ = try v.validate(post: otherKey, parameter: "SAMLRequest", relayState: nil) } is SignatureError)
        // A LogoutRequest where a LogoutResponse belongs, and an AuthnRequest at the logout endpoint.
        #expect(
            refusal { _ = try v.validate(redirect: try redirect(xml, parameter: "SAMLResponse")) } as? LogoutMessageError
                == .notALogoutMessage("samlp:LogoutRequest"))
        let authn = AuthnRequest(destination: Self.slo, issuer: MetadataAndValidatorTests.spEntity).builder.xmlString()
        #expect(refusal { _ = try v.validate(redirect: try redirect(authn)) } is LogoutMessageError)
    }

    @Test func refusesUnknownIssuerDestinationAndStaleMessages() throws {
        let v = try validator()
        func code(_ r: LogoutRequest) -> LogoutMessageError? {
            refusal { _ = try v.validate(redirect: try redirect(r.builder.xmlString())) } as? LogoutMessageError
        }
        #expect(code(request(issuer: "https://unknown.example.org")) == .unknownIssuer("https://unknown.example.org"))
        #expect(code(request(destination: "https://idp.example.org/saml/sso")) == .destinationMismatch("https://idp.example.org/saml/sso"))
        #expect(code(request(destination: nil)) == .destinationMismatch(nil))
        #expect(code(request(issueInstant: Date() - 3600)) == .issueInstantOutOfRange(skewSeconds: 180))
        #expect(code(request(notOnOrAfter: Date() - 600)) == .expired)
        #expect(code(request(notOnOrAfter: Date() + 600)) == nil)
    }
}
