@preconcurrency import Crypto
import Foundation
import IAMSmart
import PIAChecks
import SAMLMapper

/// One parser the outside world can reach, fed arbitrary bytes. Each run
/// must end in a value or a thrown error: a crash, a leak, a sanitizer
/// report or a hang is a finding.
enum FuzzTarget: String, CaseIterable {
    /// Hardened parse, then exclusive and inclusive canonicalization of the root.
    case xml
    /// An AuthnRequest on the HTTP-Redirect binding (first byte even) or the HTTP-POST binding (odd).
    case authnrequest
    /// A SOAP ArtifactResolve as `/saml/artifact` reads it.
    case artifactresolve
    /// Partner metadata as the registry reads it.
    case metadata
    /// iAM Smart answers: the envelope, the content cipher, the profile.
    case iamsmart
    /// The privacy policy file.
    case policy

    func run(_ data: Data) {
        switch self {
        case .xml: Self.xml(data)
        case .authnrequest: Self.authnRequest(data)
        case .artifactresolve: Self.artifactResolve(data)
        case .metadata: Self.metadata(data)
        case .iamsmart: Self.iamSmart(data)
        case .policy: _ = try? Policy.parse(yaml: String(decoding: data, as: UTF8.self))
        }
    }

    // MARK: Fixed material

    /// Makes the fixed material before the first input: libFuzzer counts
    /// memory a run allocates and keeps as a leak, and these live for good.
    static func prepare() {
        _ = verifier
        _ = contentKey
        _ = partner
    }

    /// A key no input can have signed with: verification runs to its end and fails.
    static let verifier = SignatureVerifier(trustedKeys: [.p256(P256.Signing.PrivateKey().publicKey)])
    static let contentKey = SymmetricKey(size: .bits256)
    static let ssoURL = "https://bridge.example/saml/sso"

    /// The partner the AuthnRequest seeds name, read from the metadata seed
    /// shape, so inputs can get past the issuer check.
    static let partner: ServiceProviderMetadata? = {
        let xml = """
            <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example/saml">\
            <md:SPSSODescriptor AuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\
            <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>\
            <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" \
            Location="https://sp.example/acs" index="0" isDefault="true"/>\
            </md:SPSSODescriptor></md:EntityDescriptor>
            """
        guard let document = try? XMLDocument(parsing: Data(xml.utf8)) else { return nil }
        return try? ServiceProviderMetadata(element: document.root)
    }()

    // MARK: Targets

    static func xml(_ data: Data) {
        guard let document = try? XMLDocument(parsing: data) else { return }
        _ = try? document.root.canonicalized(.exclusive())
        _ = try? document.root.canonicalized(.exclusive(withComments: true, inclusivePrefixes: ["xs"]))
        _ = try? document.root.canonicalized(.inclusive())
        _ = try? verifier.verify(document.root)
    }

    static func authnRequest(_ data: Data) {
        guard let first = data.first else { return }
        let rest = data.dropFirst()
        let validator = AuthnRequestValidator(ssoEndpoints: [ssoURL], serviceProviders: partner.map { [$0] } ?? [])
        let now = Date(timeIntervalSince1970: 1_795_651_200)
        if first & 1 == 0 {
            guard let message = try? RedirectBinding.decode(query: String(decoding: rest, as: UTF8.self)) else { return }
            _ = try? validator.validate(redirect: message, now: now)
        } else {
            guard let xml = try? POSTBinding.decode(String(decoding: rest, as: UTF8.self)) else {
                _ = try? validator.validate(post: Data(rest), now: now)
                return
            }
            _ = try? validator.validate(post: xml, now: now)
        }
    }

    static func artifactResolve(_ data: Data) {
        guard let document = try? XMLDocument(parsing: data), let element = try? SOAPEnvelope.bodyElement(of: document) else { return }
        _ = try? verifier.verify(element)
        guard let resolve = try? ArtifactResolve(element: element) else { return }
        if let artifact = try? SAMLArtifact(encoded: resolve.artifact) {
            _ = artifact.isIssued(by: "https://bridge.example/saml")
        }
    }

    static func metadata(_ data: Data) {
        guard let document = try? XMLDocument(parsing: data) else { return }
        _ = try? verifier.verifyRoot(of: document)
        guard let metadata = try? ServiceProviderMetadata(element: document.root) else { return }
        _ = try? metadata.signingKeys()
        _ = metadata.defaultAssertionConsumerService
    }

    static func iamSmart(_ data: Data) {
        let decoder = JSONDecoder()
        if let envelope = try? decoder.decode(Envelope<String>.self, from: data), let content = envelope.content {
            _ = try? ContentCipher.open(content, key: contentKey)
        }
        _ = try? decoder.decode(Envelope<KeyContent>.self, from: data)
        _ = try? decoder.decode(Envelope<TokenContent>.self, from: data)
        if let json = try? decoder.decode(JSONValue.self, from: data) {
            _ = try? IAMSmartProfile(json: json, keeping: Set(ProfileField.allCases))
        }
        _ = try? ContentCipher.open(String(decoding: data, as: UTF8.self), key: contentKey)
    }
}
