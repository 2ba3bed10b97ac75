import Foundation

/// Why an AuthnRequest was refused; each check has its own case.
public enum AuthnRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    case notAnAuthnRequest(String)
    case unsupportedVersion(String)
    case destinationMismatch(String?)
    case issueInstantOutOfRange(skewSeconds: Int)
    case unknownIssuer(String?)
    case signatureRequired(issuer: String)
    case acsURLAndIndexBoth
    case acsURLNotInMetadata(String)
    case acsIndexNotInMetadata(Int)
    case noAssertionConsumerService
    case unsupportedBinding(String)
    case nameIDFormatNotSupported(String)

    public var description: String {
        switch self {
        case .notAnAuthnRequest(let f): return "AuthnRequest refused: the message is a \(f)"
        case .unsupportedVersion(let v): return "AuthnRequest refused: Version \(v) is not 2.0"
        case .destinationMismatch(let d): return "AuthnRequest refused: Destination '\(d ?? "(none)")' is not our SSO endpoint"
        case .issueInstantOutOfRange(let s): return "AuthnRequest refused: IssueInstant is more than \(s) s away from our clock"
        case .unknownIssuer(let i): return "AuthnRequest refused: issuer '\(i ?? "(none)")' has no metadata here"
        case .signatureRequired(let i): return "AuthnRequest refused: \(i) declares AuthnRequestsSigned, but the request is unsigned"
        case .acsURLAndIndexBoth: return "AuthnRequest refused: AssertionConsumerServiceURL and Index are mutually exclusive"
        case .acsURLNotInMetadata(let u): return "AuthnRequest refused: ACS URL \(u) is not in the SP's metadata"
        case .acsIndexNotInMetadata(let i): return "AuthnRequest refused: ACS index \(i) is not in the SP's metadata"
        case .noAssertionConsumerService: return "AuthnRequest refused: the SP's metadata has no usable AssertionConsumerService"
        case .unsupportedBinding(let b): return "AuthnRequest refused: response binding \(b) is not supported"
        case .nameIDFormatNotSupported(let f): return "AuthnRequest refused: NameIDPolicy Format \(f) is not offered"
        }
    }
}

/// Checks an incoming AuthnRequest against our configuration and the SP's metadata.
///
/// The response endpoint is taken only from metadata: a URL in the request
/// is accepted only if the metadata lists it, so a forged request cannot
/// send assertions elsewhere.
public struct AuthnRequestValidator: Sendable {
    /// What passed: the request as signed (when signed), its SP, and the decisions.
    public struct Accepted: Sendable {
        public var request: AuthnRequest
        public var serviceProvider: ServiceProviderMetadata
        public var assertionConsumerService: MetadataEndpoint
        public var nameIDFormat: String
        public var wasSigned: Bool
    }

    public var ssoEndpoints: Set<String>
    public var serviceProviders: [String: ServiceProviderMetadata]
    public var clockSkew: TimeInterval
    public var supportedNameIDFormats: [String]
    public var supportedResponseBindings: Set<String>
    public var signaturePolicy: SignaturePolicy
    public var limits: XMLLimits

    public init(
        ssoEndpoints: Set<String>, serviceProviders: [ServiceProviderMetadata], clockSkew: TimeInterval = 180,
        supportedNameIDFormats: [String] = [NameID.persistent, NameID.transient],
        supportedResponseBindings: Set<String> = [MetadataEndpoint.postBinding, MetadataEndpoint.artifactBinding],
        signaturePolicy: SignaturePolicy = .default, limits: XMLLimits = .default
    ) {
        self.ssoEndpoints = ssoEndpoints
        self.serviceProviders = Dictionary(serviceProviders.map { ($0.entityID, $0) }, uniquingKeysWith: { a, _ in a })
        self.clockSkew = clockSkew
        self.supportedNameIDFormats = supportedNameIDFormats
        self.supportedResponseBindings = supportedResponseBindings
        self.signaturePolicy = signaturePolicy
        self.limits = limits
    }

    /// Validates a request taken off the HTTP-Redirect binding.
    public func validate(redirect message: RedirectBinding.Message, now: Date = Date()) throws -> Accepted {
        let document = try XMLDocument(parsing: message.xml, limits: limits)
        let sp = try serviceProvider(for: document.root)
        if message.isSigned {
            try RedirectBinding.verifySignature(message, trustedKeys: try sp.signingKeys(), policy: signaturePolicy)
        } else if sp.authnRequestsSigned {
            throw AuthnRequestError.signatureRequired(issuer: sp.entityID)
        }
        return try check(document.root, sp: sp, signed: message.isSigned, now: now)
    }

    /// Validates a request taken off the HTTP-POST binding (decoded XML).
    public func validate(post xml: Data, now: Date = Date()) throws -> Accepted {
        let document = try XMLDocument(parsing: xml, limits: limits)
        let sp = try serviceProvider(for: document.root)
        var element = document.root
        let signed = !element.children("Signature", in: XMLNamespaces.ds).isEmpty
        if signed {
            element = try SignatureVerifier(trustedKeys: try sp.signingKeys(), policy: signaturePolicy).verify(element)
        } else if sp.authnRequestsSigned {
            throw AuthnRequestError.signatureRequired(issuer: sp.entityID)
        }
        return try check(element, sp: sp, signed: signed, now: now)
    }

    private func serviceProvider(for root: XMLElement) throws -> ServiceProviderMetadata {
        guard root.isNamed("AuthnRequest", in: XMLNamespaces.samlp) else { throw AuthnRequestError.notAnAuthnRequest(root.qualifiedName) }
        let issuer = try root.issuerText()
        guard let issuer, let sp = serviceProviders[issuer] else { throw AuthnRequestError.unknownIssuer(try root.issuerText()) }
        return sp
    }

    private func check(_ element: XMLElement, sp: ServiceProviderMetadata, signed: Bool, now: Date) throws -> Accepted {
        guard let version = element.attribute("Version"), version == "2.0" else {
            throw AuthnRequestError.unsupportedVersion(element.attribute("Version") ?? "(none)")
        }
        let request = try AuthnRequest(element: element)
        guard let destination = request.destination, ssoEndpoints.contains(destination) else {
            throw AuthnRequestError.destinationMismatch(request.destination)
        }
        guard abs(request.issueInstant.timeIntervalSince(now)) <= clockSkew else {
            throw AuthnRequestError.issueInstantOutOfRange(skewSeconds: Int(clockSkew))
        }
        let acs = try assertionConsumerService(request, sp)
        return Accepted(
            request: request, serviceProvider: sp, assertionConsumerService: acs, nameIDFormat: try nameIDFormat(request, sp),
            wasSigned: signed)
    }

    private func assertionConsumerService(_ request: AuthnRequest, _ sp: ServiceProviderMetadata) throws -> MetadataEndpoint {
        let usable = sp.assertionConsumerServices.filter { supportedResponseBindings.contains($0.binding) }
        if let binding = request.protocolBinding, !supportedResponseBindings.contains(binding) {
            throw AuthnRequestError.unsupportedBinding(binding)
        }
        switch (request.assertionConsumerServiceURL, request.assertionConsumerServiceIndex) {
        case (.some, .some):
            throw AuthnRequestError.acsURLAndIndexBoth
        case (.some(let url), nil):
            guard let e = usable.first(where: { $0.location == url && (request.protocolBinding == nil || $0.binding == request.protocolBinding) })
            else {
                throw AuthnRequestError.acsURLNotInMetadata(url)
            }
            return e
        case (nil, .some(let index)):
            guard let e = usable.first(where: { $0.index == index }) else { throw AuthnRequestError.acsIndexNotInMetadata(index) }
            return e
        case (nil, nil):
            let candidates = usable.filter { request.protocolBinding == nil || $0.binding == request.protocolBinding }
            guard let e = candidates.first(where: { $0.isDefault == true }) ?? candidates.first(where: { $0.isDefault == nil }) ?? candidates.first
            else {
                throw AuthnRequestError.noAssertionConsumerService
            }
            return e
        }
    }

    private func nameIDFormat(_ request: AuthnRequest, _ sp: ServiceProviderMetadata) throws -> String {
        let spFormats = sp.nameIDFormats.filter { supportedNameIDFormats.contains($0) }
        guard let format = request.nameIDPolicy?.format, format != NameID.unspecified else {
            return spFormats.first ?? supportedNameIDFormats.first ?? NameID.persistent
        }
        guard supportedNameIDFormats.contains(format), sp.nameIDFormats.isEmpty || sp.nameIDFormats.contains(format) else {
            throw AuthnRequestError.nameIDFormatNotSupported(format)
        }
        return format
    }
}
