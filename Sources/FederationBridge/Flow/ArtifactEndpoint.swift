import Foundation
import HTTPTypes
import Hummingbird
import SAMLMapper

/// `POST /saml/artifact`: the relying party's back channel.
struct ArtifactEndpoint: Sendable {
    let configuration: BridgeConfiguration
    let registry: PartnerMetadataRegistry
    let vault: StateVault
    let keys: IdPKeyMaterial
    let clock: FlowClock

    var artifactURL: String { configuration.baseURLWithoutTrailingSlash + "/saml/artifact" }

    /// `POST /saml/artifact`: SOAP ArtifactResolve from a relying party. The
    /// request must be signed with the key in that party's metadata; an
    /// artifact resolves once, within its short lifetime, and only for the
    /// party it was issued to. Once the message reads as an ArtifactResolve,
    /// every refusal is a SAML status inside a normal SOAP answer (HTTP 200,
    /// SAML bindings §3.2.3.3); only an unreadable message gets an HTTP error.
    func resolveArtifact(_ request: Request, _ context: BridgeRequestContext) async -> Hummingbird.Response {
        var inResponseTo = "_unknown"
        var readable = false
        do {
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.artifactResolveLimit)
            } catch {
                throw FlowError(
                    .malformedRequest, .contentTooLarge, .invalidRequest,
                    "ArtifactResolve body larger than \(Self.artifactResolveLimit / 1024) KiB",
                    saml: FlowError.requester(SAMLStatus.requestUnsupported, "message too large"))
            }
            let document: XMLDocument
            let element: XMLElement
            do {
                document = try XMLDocument(parsing: Data(Array(buffer: body)))
                element = try SOAPEnvelope.bodyElement(of: document)
                guard element.isNamed("ArtifactResolve", in: XMLNamespaces.samlp) else {
                    throw SAMLProtocolError.invalid("expected samlp:ArtifactResolve in the SOAP Body")
                }
            } catch {
                throw FlowError(
                    .malformedRequest, .badRequest, .invalidRequest, "ArtifactResolve unreadable: \(error)",
                    saml: FlowError.requester(SAMLStatus.requestUnsupported, "the SOAP message is not a readable ArtifactResolve"))
            }
            inResponseTo = element.id ?? inResponseTo
            readable = true
            let now = clock.now()
            let issuer = (try? element.firstChild("Issuer", in: XMLNamespaces.saml)?.trimmedText()) ?? ""
            guard let provider = registry.serviceProvider(entityID: issuer, now: now) else {
                throw FlowError(
                    .unknownIssuer, .forbidden, .unknownPartner, "ArtifactResolve from '\(issuer)', which has no usable metadata here",
                    saml: FlowError.requester(SAMLStatus.requestDenied, "unknown issuer"))
            }
            let verified: XMLElement
            do {
                verified = try SignatureVerifier(trustedKeys: try provider.signingKeys()).verify(element)
            } catch {
                throw FlowError(
                    .badSignature, .forbidden, .invalidRequest,
                    "ArtifactResolve from \(issuer) does not verify with its metadata keys: \(error)",
                    saml: FlowError.requester(SAMLStatus.requestDenied, "signature check failed"))
            }
            let resolve = try ArtifactResolve(element: verified)
            if let destination = resolve.destination, destination != artifactURL {
                throw FlowError(
                    .wrongDestination, .badRequest, .invalidRequest, "ArtifactResolve Destination \(destination) is not \(artifactURL)",
                    saml: FlowError.requester(SAMLStatus.requestDenied, "wrong Destination"))
            }
            let skew = Double(configuration.saml.clockSkew.components.seconds)
            guard abs(resolve.issueInstant.timeIntervalSince(now)) <= skew else {
                throw FlowError(
                    .staleRequest, .badRequest, .invalidRequest, "ArtifactResolve IssueInstant is more than \(Int(skew)) s from our clock",
                    saml: FlowError.requester(SAMLStatus.requestDenied, "stale IssueInstant"))
            }
            guard let artifact = try? SAMLArtifact(encoded: resolve.artifact), artifact.isIssued(by: configuration.entityID) else {
                throw FlowError(
                    .artifactUnknown, .notFound, .invalidRequest, "the artifact is malformed or was not issued by \(configuration.entityID)",
                    saml: FlowError.requester(SAMLStatus.requestDenied, "artifact not issued here"))
            }
            guard
                let message = try await vault.takeArtifact(
                    handle: ResponseDelivery.artifactKey(artifact.messageHandle, relyingParty: issuer), now: now)
            else {
                throw FlowError(
                    .artifactUnknown, .notFound, .invalidRequest,
                    "artifact unknown, expired (lifetime \(configuration.saml.artifactLifetime)) or already resolved",
                    saml: FlowError.requester(SAMLStatus.requestDenied, "artifact unknown, expired or already resolved"))
            }
            let answer = ArtifactResponse(inResponseTo: resolve.id, issueInstant: now, issuer: configuration.entityID, message: message)
            let signed = try keys.signer.signedXML(answer.builder.xmlString())
            context.logger.info("artifact resolved", metadata: ["rp": "\(issuer)"])
            return Self.soap(signed, status: .ok)
        } catch let error as FlowError {
            context.logger.warning("artifact resolution refused", metadata: ["code": "\(error.code.rawValue)", "detail": "\(error.detail)"])
            let status = error.samlStatus ?? FlowError.requester(SAMLStatus.requestDenied, error.code.rawValue)
            let answer = ArtifactResponse(
                inResponseTo: inResponseTo, issueInstant: clock.now(), issuer: configuration.entityID,
                status: SAMLStatus(code: status.code, subCode: status.subCode, message: "\(error.code.rawValue): \(error.detail)"), message: nil)
            let xml = (try? keys.signer.signedXML(answer.builder.xmlString())) ?? Data(answer.builder.xmlString().utf8)
            var response = Self.soap(xml, status: readable ? .ok : error.status)
            if let name = HTTPField.Name(FlowError.header) { response.headers[name] = error.code.rawValue }
            return response
        } catch {
            context.logger.error("artifact resolution failed", metadata: ["error.type": "\(type(of: error))"])
            let answer = ArtifactResponse(
                inResponseTo: inResponseTo, issueInstant: clock.now(), issuer: configuration.entityID,
                status: SAMLStatus(code: SAMLStatus.responder, message: "internal error; see the bridge's log"), message: nil)
            let xml = (try? keys.signer.signedXML(answer.builder.xmlString())) ?? Data(answer.builder.xmlString().utf8)
            var response = Self.soap(xml, status: .internalServerError)
            if let name = HTTPField.Name(FlowError.header) { response.headers[name] = FlowError.Code.internalFailure.rawValue }
            return response
        }
    }

    /// The largest ArtifactResolve read; a signed one is a few KiB.
    static let artifactResolveLimit = 256 * 1024

    static func soap(_ xml: Data, status: HTTPResponse.Status) -> Hummingbird.Response {
        let envelope = SOAPEnvelope.wrap(String(decoding: xml, as: UTF8.self))
        return Hummingbird.Response(
            status: status, headers: [.contentType: "text/xml; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: envelope)))
    }
}
