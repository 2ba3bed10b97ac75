import Foundation

/// Why a LogoutRequest or LogoutResponse was refused before it was read.
public enum LogoutMessageError: Error, Sendable, Hashable, CustomStringConvertible {
    case notALogoutMessage(String)
    case unsupportedVersion(String)
    case unknownIssuer(String?)
    case signatureRequired(issuer: String)
    case destinationMismatch(String?)
    case issueInstantOutOfRange(skewSeconds: Int)
    case expired

    public var description: String {
        switch self {
        case .notALogoutMessage(let f): return "logout message refused: the message is a \(f)"
        case .unsupportedVersion(let v): return "logout message refused: Version \(v) is not 2.0"
        case .unknownIssuer(let i): return "logout message refused: issuer '\(i ?? "(none)")' has no metadata here"
        case .signatureRequired(let i): return "logout message refused: the message from \(i) is unsigned; logout messages must be signed"
        case .destinationMismatch(let d): return "logout message refused: Destination '\(d ?? "(none)")' is not our SingleLogoutService"
        case .issueInstantOutOfRange(let s): return "logout message refused: IssueInstant is more than \(s) s away from our clock"
        case .expired: return "logout message refused: its NotOnOrAfter has passed"
        }
    }
}

/// Checks an incoming LogoutRequest or LogoutResponse (SAML core §3.7,
/// bindings §3.4 and §3.5): the issuer has metadata, the signature (the
/// detached query-string signature on HTTP-Redirect, an enveloped one on
/// HTTP-POST) verifies with a key from that metadata, Destination is our
/// SingleLogoutService and IssueInstant is fresh. Unsigned messages are
/// refused whatever the metadata says: a logout ends sessions at others.
public struct LogoutMessageValidator: Sendable {
    /// A verified message, read only from what the signature covers.
    public enum Message: Sendable {
        case request(LogoutRequest)
        case response(LogoutResponse)

        public var id: String {
            switch self {
            case .request(let r): return r.id
            case .response(let r): return r.id
            }
        }
    }

    public struct Accepted: Sendable {
        public var message: Message
        public var serviceProvider: ServiceProviderMetadata
        /// The binding it came on (`MetadataEndpoint.redirectBinding` or `.postBinding`).
        public var binding: String
        public var relayState: String?
    }

    public var sloEndpoints: Set<String>
    public var serviceProviders: [String: ServiceProviderMetadata]
    public var clockSkew: TimeInterval
    public var signaturePolicy: SignaturePolicy
    public var limits: XMLLimits

    public init(
        sloEndpoints: Set<String>, serviceProviders: [ServiceProviderMetadata], clockSkew: TimeInterval = 180,
        signaturePolicy: SignaturePolicy = .default, limits: XMLLimits = .default
    ) {
        self.sloEndpoints = sloEndpoints
        self.serviceProviders = Dictionary(serviceProviders.map { ($0.entityID, $0) }, uniquingKeysWith: { a, _ in a })
        self.clockSkew = clockSkew
        self.signaturePolicy = signaturePolicy
        self.limits = limits
    }

    /// A message taken off the HTTP-Redirect binding: the query-string signature is required.
    public func validate(redirect message: RedirectBinding.Message, now: Date = Date()) throws -> Accepted {
        let document = try XMLDocument(parsing: message.xml, limits: limits)
        let expected = message.parameter == "SAMLRequest" ? "LogoutRequest" : "LogoutResponse"
        let sp = try serviceProvider(for: document.root, expected: expected)
        guard message.isSigned else { throw LogoutMessageError.signatureRequired(issuer: sp.entityID) }
        try RedirectBinding.verifySignature(message, trustedKeys: try sp.signingKeys(), policy: signaturePolicy)
        return try check(document.root, sp: sp, binding: MetadataEndpoint.redirectBinding, relayState: message.relayState, now: now)
    }

    /// A message taken off the HTTP-POST binding (decoded XML): the enveloped signature is required.
    public func validate(post xml: Data, parameter: String, relayState: String?, now: Date = Date()) throws -> Accepted {
        let document = try XMLDocument(parsing: xml, limits: limits)
        let expected = parameter == "SAMLRequest" ? "LogoutRequest" : "LogoutResponse"
        let sp = try serviceProvider(for: document.root, expected: expected)
        guard !document.root.children("Signature", in: XMLNamespaces.ds).isEmpty else {
            throw LogoutMessageError.signatureRequired(issuer: sp.entityID)
        }
        let verified = try SignatureVerifier(trustedKeys: try sp.signingKeys(), policy: signaturePolicy).verify(document.root)
        return try check(verified, sp: sp, binding: MetadataEndpoint.postBinding, relayState: relayState, now: now)
    }

    private func serviceProvider(for root: XMLElement, expected: String) throws -> ServiceProviderMetadata {
        guard root.isNamed(expected, in: XMLNamespaces.samlp) else { throw LogoutMessageError.notALogoutMessage(root.qualifiedName) }
        guard let issuer = try root.issuerText(), let sp = serviceProviders[issuer] else {
            throw LogoutMessageError.unknownIssuer(try root.issuerText())
        }
        return sp
    }

    private func check(_ element: XMLElement, sp: ServiceProviderMetadata, binding: String, relayState: String?, now: Date) throws -> Accepted {
        guard let version = element.attribute("Version"), version == "2.0" else {
            throw LogoutMessageError.unsupportedVersion(element.attribute("Version") ?? "(none)")
        }
        let message: Message
        let destination: String?
        let issueInstant: Date
        if element.isNamed("LogoutRequest", in: XMLNamespaces.samlp) {
            let request = try LogoutRequest(element: element)
            if let notOnOrAfter = request.notOnOrAfter, notOnOrAfter.addingTimeInterval(clockSkew) <= now { throw LogoutMessageError.expired }
            (message, destination, issueInstant) = (.request(request), request.destination, request.issueInstant)
        } else {
            let response = try LogoutResponse(element: element)
            (message, destination, issueInstant) = (.response(response), response.destination, response.issueInstant)
        }
        guard let destination, sloEndpoints.contains(destination) else { throw LogoutMessageError.destinationMismatch(destination) }
        guard abs(issueInstant.timeIntervalSince(now)) <= clockSkew else {
            throw LogoutMessageError.issueInstantOutOfRange(skewSeconds: Int(clockSkew))
        }
        return Accepted(message: message, serviceProvider: sp, binding: binding, relayState: relayState)
    }
}
