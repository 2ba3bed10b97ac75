import Foundation
import SAMLMapper

/// How one sandbox Guangdong relying party is set up: its own SAML keys and
/// the identity provider (the bridge) it trusts.
public struct GuangdongRPConfiguration: Sendable {
    /// Interface to bind; loopback by default.
    public var host: String
    /// Port to bind; 0 picks a free port (read it back with ``GuangdongRelyingParty/baseURL()``).
    public var port: Int
    /// Our SP entityID.
    public var entityID: String
    /// Signs AuthnRequests and ArtifactResolve messages.
    public var signingKeyPEM: String
    public var signingCertificatePEM: String
    /// Decrypts EncryptedAssertions (RSA).
    public var encryptionKeyPEM: String
    public var encryptionCertificatePEM: String
    public var identityProvider: IdentityProvider
    /// Attributes listed as RequestedAttribute in our metadata.
    public var requestedAttributes: [String]
    /// The purpose this relying party asks for (sent in the request extension).
    public var purposeID: String?

    /// The bridge, as our metadata trust knows it.
    public struct IdentityProvider: Sendable {
        public var entityID: String
        /// `…/saml/sso` (HTTP-Redirect).
        public var ssoURL: String
        /// `…/saml/artifact` (SOAP).
        public var artifactResolutionURL: String
        /// `…/saml/slo` (HTTP-Redirect and HTTP-POST).
        public var singleLogoutURL: String
        /// Certificates whose keys may sign Responses, Assertions and ArtifactResponses.
        public var signingCertificatePEMs: [String]

        /// `singleLogoutURL` defaults to `/saml/slo` next to `ssoURL`.
        public init(
            entityID: String, ssoURL: String, artifactResolutionURL: String, singleLogoutURL: String? = nil, signingCertificatePEMs: [String]
        ) {
            self.entityID = entityID
            self.ssoURL = ssoURL
            self.artifactResolutionURL = artifactResolutionURL
            self.singleLogoutURL =
                singleLogoutURL ?? (ssoURL.hasSuffix("/saml/sso") ? String(ssoURL.dropLast("/saml/sso".count)) + "/saml/slo" : ssoURL)
            self.signingCertificatePEMs = signingCertificatePEMs
        }
    }

    public init(
        host: String = "127.0.0.1", port: Int = 0, entityID: String, signingKeyPEM: String, signingCertificatePEM: String,
        encryptionKeyPEM: String, encryptionCertificatePEM: String, identityProvider: IdentityProvider,
        requestedAttributes: [String] = GuangdongRPConfiguration.defaultRequestedAttributes, purposeID: String? = nil
    ) {
        self.host = host
        self.port = port
        self.entityID = entityID
        self.signingKeyPEM = signingKeyPEM
        self.signingCertificatePEM = signingCertificatePEM
        self.encryptionKeyPEM = encryptionKeyPEM
        self.encryptionCertificatePEM = encryptionCertificatePEM
        self.identityProvider = identityProvider
        self.requestedAttributes = requestedAttributes
        self.purposeID = purposeID
    }

    /// What a real-name account opening asks for, in the platform's vocabulary.
    public static let defaultRequestedAttributes: [String] = [
        GuangdongAttribute.pairwiseID, .chineseName, .chineseNameSimplified, .englishName, .sex, .userType, .isReal,
        .realType, .creditableLevel, .ageOver18, .nameMatches, .birthDateMatches,
    ].map(\.rawValue)
}
