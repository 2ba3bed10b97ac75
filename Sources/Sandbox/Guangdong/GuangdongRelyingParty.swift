import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import SAMLMapper

/// A sandbox Guangdong relying party: a real SAML 2.0 service provider with
/// its own keys. It sends signed AuthnRequests (HTTP-Redirect, detached
/// signature), accepts Responses by HTTP-POST or HTTP-Artifact (resolving the
/// artifact over signed SOAP), verifies the Response and Assertion
/// signatures against the bridge's key, decrypts the assertion, and shows the
/// resident what it received. It takes part in Single Logout as a peer:
/// sends signed LogoutRequests, answers the bridge's, checks LogoutResponses.
public final class GuangdongRelyingParty: Sendable {
    public static let requestExtensionNamespace = "urn:federation-bridge:request"

    public let configuration: GuangdongRPConfiguration
    let signingKey: SigningKey
    let decrypter: AssertionDecrypter
    let verifier: SignatureVerifier
    let ledger = RelyingPartyLedger()
    private let binding = PortBinding()
    let logger: Logger

    public init(configuration: GuangdongRPConfiguration, logger: Logger = Logger(label: "sandbox.guangdong")) throws {
        self.configuration = configuration
        self.signingKey = try SigningKey(pem: configuration.signingKeyPEM)
        self.decrypter = try AssertionDecrypter(privateKeyPEM: configuration.encryptionKeyPEM)
        self.verifier = SignatureVerifier(
            trustedKeys: try configuration.identityProvider.signingCertificatePEMs.map { try SigningPublicKey(pem: $0) })
        self.logger = logger
    }

    /// Serves until the surrounding task is cancelled.
    public func run() async throws {
        let router = Router(context: BasicRequestContext.self)
        RelyingPartyRoutes(party: self).register(on: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "guangdong-sandbox"),
            onServerRunning: { [binding] channel in await binding.resolve(channel.localAddress?.port) },
            logger: logger)
        do {
            try await app.run()
        } catch {
            await binding.resolve(nil)
            throw error
        }
        await binding.resolve(nil)
    }

    /// `http://HOST:PORT`, once listening.
    public func baseURL() async throws -> String {
        guard let port = await binding.wait() else { throw GuangdongSandboxError.notRunning }
        return "http://\(configuration.host):\(port)"
    }

    /// ACS locations for a base URL, in metadata order (POST first, the default).
    public static func assertionConsumerServices(baseURL: String) -> [(binding: String, location: String)] {
        [(MetadataEndpoint.postBinding, baseURL + "/acs/post"), (MetadataEndpoint.artifactBinding, baseURL + "/acs/artifact")]
    }

    /// Our SP metadata for a base URL (unsigned; the federation signs what the bridge reads).
    public func metadataWriter(baseURL: String, validUntil: Date = Date().addingTimeInterval(7 * 86400)) -> ServiceProviderMetadataWriter {
        ServiceProviderMetadataWriter(
            entityID: configuration.entityID,
            signingCertificateDER: PEMText.der(configuration.signingCertificatePEM) ?? Data(),
            encryptionCertificateDER: PEMText.der(configuration.encryptionCertificatePEM),
            assertionConsumerServices: Self.assertionConsumerServices(baseURL: baseURL),
            singleLogoutServices: Self.singleLogoutServices(baseURL: baseURL),
            requestedAttributes: configuration.requestedAttributes, validUntil: validUntil)
    }

    /// Everything received so far, oldest first.
    public func outcomes() async -> [RelyingPartyOutcome] {
        await ledger.outcomes
    }

    // MARK: AuthnRequests

    /// Values to check without receiving them ("usable but not visible").
    public struct Claims: Sendable {
        public var name: String?
        public var birthDate: String?
        public init(name: String? = nil, birthDate: String? = nil) {
            self.name = name
            self.birthDate = birthDate
        }
    }

    /// Knobs a test turns to send a request the bridge must refuse.
    public struct RequestOverrides: Sendable {
        public var id: String?
        public var issueInstant: Date?
        public var acsURL: String?
        public var issuer: String?
        /// Signs with this key instead of ours.
        public var signingKey: SigningKey?
        public var unsigned: Bool
        public var requestedAuthnContext: AuthnRequest.RequestedAuthnContext?
        public init(
            id: String? = nil, issueInstant: Date? = nil, acsURL: String? = nil, issuer: String? = nil, signingKey: SigningKey? = nil,
            unsigned: Bool = false, requestedAuthnContext: AuthnRequest.RequestedAuthnContext? = nil
        ) {
            self.requestedAuthnContext = requestedAuthnContext
            self.id = id
            self.issueInstant = issueInstant
            self.acsURL = acsURL
            self.issuer = issuer
            self.signingKey = signingKey
            self.unsigned = unsigned
        }
    }

    /// The bridge URL carrying a signed AuthnRequest (HTTP-Redirect binding),
    /// and the request's ID. The request is remembered so its Response is accepted once.
    public func authnRequestURL(
        binding: RelyingPartyOutcome.Binding, claims: Claims? = nil, relayState: String? = nil,
        overrides: RequestOverrides = RequestOverrides()
    ) async throws -> (url: String, requestID: String) {
        let base = try await baseURL()
        let acs = Self.assertionConsumerServices(baseURL: base)
        let chosen = binding == .post ? acs[0] : acs[1]
        var extensions: [Data] = []
        if configuration.purposeID != nil || claims != nil {
            let ns = XMLNamespace(prefix: "fb", uri: Self.requestExtensionNamespace)
            var request = XMLBuilder("Request", ns)
            if let purpose = configuration.purposeID { request.append(XMLBuilder("Purpose", ns, text: purpose)) }
            if let name = claims?.name, !name.isEmpty { request.append(XMLBuilder("ClaimedName", ns, text: name)) }
            if let birthDate = claims?.birthDate, !birthDate.isEmpty { request.append(XMLBuilder("ClaimedBirthDate", ns, text: birthDate)) }
            extensions.append(Data(request.xmlString().utf8))
        }
        let request = AuthnRequest(
            id: overrides.id ?? SAMLIdentifier.make(), issueInstant: overrides.issueInstant ?? Date(),
            destination: configuration.identityProvider.ssoURL, issuer: overrides.issuer ?? configuration.entityID,
            assertionConsumerServiceURL: overrides.acsURL ?? chosen.location, protocolBinding: chosen.binding,
            nameIDPolicy: .init(format: NameID.persistent, allowCreate: true), requestedAuthnContext: overrides.requestedAuthnContext,
            extensions: extensions)
        let xml = Data(request.builder.xmlString().utf8)
        let query = try RedirectBinding.encode(
            xml, parameter: "SAMLRequest", relayState: relayState,
            key: overrides.unsigned ? nil : (overrides.signingKey ?? signingKey))
        await ledger.remember(requestID: request.id, binding: binding)
        let separator = configuration.identityProvider.ssoURL.contains("?") ? "&" : "?"
        return (configuration.identityProvider.ssoURL + separator + query, request.id)
    }

    // MARK: Receiving

    /// Checks a Response as received on `binding` and records the outcome.
    func accept(responseXML: Data, binding: RelyingPartyOutcome.Binding) async -> RelyingPartyOutcome {
        var outcome = RelyingPartyOutcome(
            binding: binding, verified: false, problem: nil, statusCode: nil, subStatusCode: nil, statusMessage: nil,
            nameID: nil, nameIDFormat: nil, attributes: [], encrypted: false, responseXML: responseXML,
            decryptedAssertions: [], inResponseTo: nil)
        do {
            let base = try await baseURL()
            let acs = Self.assertionConsumerServices(baseURL: base)
            let expectedDestination = binding == .post ? acs[0].location : acs[1].location
            let document = try XMLDocument(parsing: responseXML)
            let root = document.root
            guard !root.children("Signature", in: XMLNamespaces.ds).isEmpty else {
                throw GuangdongSandboxError.check("the Response is not signed")
            }
            let encrypted = root.children("EncryptedAssertion", in: XMLNamespaces.saml)
            outcome.encrypted = !encrypted.isEmpty
            outcome.decryptedAssertions = try encrypted.map { try decrypter.decryptedBytes($0) }
            let response = try SAMLMapper.Response.readVerified(document, verifier: verifier, decrypter: decrypter)
            outcome.statusCode = response.status.code
            outcome.subStatusCode = response.status.subCode
            outcome.statusMessage = response.status.message
            outcome.inResponseTo = response.inResponseTo
            guard response.issuer == configuration.identityProvider.entityID else {
                throw GuangdongSandboxError.check("Response Issuer is not the bridge")
            }
            guard response.destination == expectedDestination else {
                throw GuangdongSandboxError.check("Response Destination is not our ACS")
            }
            guard let requestID = response.inResponseTo, await ledger.take(requestID: requestID) != nil else {
                throw GuangdongSandboxError.check("InResponseTo names no request we are waiting for (replay or unsolicited)")
            }
            if response.status.isSuccess {
                guard response.assertions.count == 1, let assertion = response.assertions.first else {
                    throw GuangdongSandboxError.check("expected exactly one assertion")
                }
                let now = Date()
                guard assertion.issuer == configuration.identityProvider.entityID else {
                    throw GuangdongSandboxError.check("Assertion Issuer is not the bridge")
                }
                guard let conditions = assertion.conditions, conditions.audiences.contains(configuration.entityID) else {
                    throw GuangdongSandboxError.check("Assertion audience does not name us")
                }
                if let notBefore = conditions.notBefore, notBefore > now.addingTimeInterval(60) {
                    throw GuangdongSandboxError.check("Assertion not yet valid")
                }
                if let notOnOrAfter = conditions.notOnOrAfter, notOnOrAfter <= now {
                    throw GuangdongSandboxError.check("Assertion expired")
                }
                guard
                    assertion.subjectConfirmations.contains(where: {
                        $0.method == SubjectConfirmation.bearer && $0.recipient == expectedDestination
                            && $0.inResponseTo == requestID && ($0.notOnOrAfter ?? .distantPast) > now
                    })
                else {
                    throw GuangdongSandboxError.check("no bearer SubjectConfirmation for our ACS and request")
                }
                outcome.nameID = assertion.nameID.value
                outcome.nameIDFormat = assertion.nameID.format
                outcome.authnContextClassRef = assertion.authnStatement?.contextClassRef
                outcome.sessionIndex = assertion.authnStatement?.sessionIndex
                outcome.attributes = assertion.attributes
            }
            outcome.verified = true
        } catch {
            outcome.problem = "\(error)"
        }
        await ledger.record(outcome)
        return outcome
    }

    /// A SOAP envelope holding an ArtifactResolve for `artifact`, signed
    /// with our key (or `key`, to test a refusal).
    public func artifactResolveEnvelope(artifact: String, key: SigningKey? = nil, issueInstant: Date = Date()) throws -> String {
        let idp = configuration.identityProvider
        let resolve = ArtifactResolve(
            issueInstant: issueInstant, destination: idp.artifactResolutionURL, issuer: configuration.entityID, artifact: artifact)
        let signed = try EnvelopedSigner(key: key ?? signingKey).signedXML(resolve.builder.xmlString())
        return SOAPEnvelope.wrap(String(decoding: signed, as: UTF8.self))
    }

    /// Resolves an artifact at the bridge with a signed SOAP ArtifactResolve.
    func resolve(artifact: String) async throws -> Data {
        let idp = configuration.identityProvider
        let envelope = try artifactResolveEnvelope(artifact: artifact)
        var request = HTTPClientRequest(url: idp.artifactResolutionURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/xml; charset=utf-8")
        request.headers.add(name: "SOAPAction", value: "http://www.oasis-open.org/committees/security")
        request.body = .bytes(ByteBuffer(string: envelope))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let document = try XMLDocument(parsing: Data(Array(buffer: body)))
        let element = try SOAPEnvelope.bodyElement(of: document)
        guard element.isNamed("ArtifactResponse", in: XMLNamespaces.samlp) else {
            throw GuangdongSandboxError.check("the artifact service answered with \(element.qualifiedName), HTTP \(response.status.code)")
        }
        let header = try ArtifactResponse(element: element)
        guard header.status.isSuccess else {
            throw GuangdongSandboxError.check(
                "artifact refused (HTTP \(response.status.code)): \(header.status.subCode ?? header.status.code) \(header.status.message ?? "")")
        }
        let verified = try verifier.verify(element)
        guard let message = ArtifactResponse.messageElement(in: verified) else {
            throw GuangdongSandboxError.check("the ArtifactResponse carries no message")
        }
        return try message.standaloneXML()
    }
}

public enum GuangdongSandboxError: Error, CustomStringConvertible {
    case notRunning
    case check(String)
    case configuration(String)

    public var description: String {
        switch self {
        case .notRunning: "The Guangdong sandbox relying party is not listening (failed to bind or stopped); check the host and port."
        case .configuration(let why): "sandbox federation: \(why)"
        case .check(let why): "relying-party check failed: \(why)"
        }
    }
}
