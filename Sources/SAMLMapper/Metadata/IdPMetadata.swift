import Foundation

/// Our IdP's `EntityDescriptor`, as published to relying parties.
///
/// Publishing the next signing certificate ahead of a rollover lets SPs trust
/// both keys before we switch.
public struct IdPMetadata: Sendable, Hashable {
    public var entityID: String
    public var signingCertificate: Data
    public var nextSigningCertificate: Data?
    public var encryptionCertificate: Data?
    public var singleSignOnServices: [MetadataEndpoint]
    public var artifactResolutionServices: [MetadataEndpoint]
    public var singleLogoutServices: [MetadataEndpoint]
    public var nameIDFormats: [String]
    public var validUntil: Date?
    public var wantAuthnRequestsSigned: Bool

    public init(
        entityID: String, signingCertificate: Data, nextSigningCertificate: Data? = nil, encryptionCertificate: Data? = nil,
        singleSignOnServices: [MetadataEndpoint], artifactResolutionServices: [MetadataEndpoint] = [],
        singleLogoutServices: [MetadataEndpoint] = [], nameIDFormats: [String] = [NameID.persistent, NameID.transient],
        validUntil: Date? = nil, wantAuthnRequestsSigned: Bool = true
    ) {
        self.entityID = entityID
        self.signingCertificate = signingCertificate
        self.nextSigningCertificate = nextSigningCertificate
        self.encryptionCertificate = encryptionCertificate
        self.singleSignOnServices = singleSignOnServices
        self.artifactResolutionServices = artifactResolutionServices
        self.singleLogoutServices = singleLogoutServices
        self.nameIDFormats = nameIDFormats
        self.validUntil = validUntil
        self.wantAuthnRequestsSigned = wantAuthnRequestsSigned
    }

    /// The usual endpoint set under one base URL (`/saml/sso`, `/saml/artifact`, `/saml/slo`).
    public static func endpoints(baseURL: String) -> (sso: [MetadataEndpoint], artifact: [MetadataEndpoint], slo: [MetadataEndpoint]) {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return (
            [
                MetadataEndpoint(binding: MetadataEndpoint.redirectBinding, location: base + "/saml/sso"),
                MetadataEndpoint(binding: MetadataEndpoint.postBinding, location: base + "/saml/sso"),
            ],
            [MetadataEndpoint(binding: MetadataEndpoint.soapBinding, location: base + "/saml/artifact", index: 0, isDefault: true)],
            [
                MetadataEndpoint(binding: MetadataEndpoint.redirectBinding, location: base + "/saml/slo"),
                MetadataEndpoint(binding: MetadataEndpoint.postBinding, location: base + "/saml/slo"),
            ]
        )
    }

    public var builder: XMLBuilder {
        var idp = XMLBuilder(
            "IDPSSODescriptor", .md,
            attributes: [
                ("WantAuthnRequestsSigned", wantAuthnRequestsSigned ? "true" : "false"), ("protocolSupportEnumeration", XMLNamespaces.samlp),
            ])
        let key = XMLBuilder.keyDescriptor
        idp.append(key("signing", signingCertificate))
        if let next = nextSigningCertificate { idp.append(key("signing", next)) }
        if let enc = encryptionCertificate { idp.append(key("encryption", enc)) }
        func endpoint(_ name: String, _ e: MetadataEndpoint) -> XMLBuilder {
            XMLBuilder(
                name, .md,
                attributes: [
                    ("Binding", e.binding), ("Location", e.location), ("index", e.index.map(String.init)),
                    ("isDefault", e.isDefault.map { $0 ? "true" : "false" }),
                ])
        }
        idp.append(artifactResolutionServices.map { endpoint("ArtifactResolutionService", $0) })
        idp.append(singleLogoutServices.map { endpoint("SingleLogoutService", $0) })
        idp.append(nameIDFormats.map { XMLBuilder("NameIDFormat", .md, text: $0) })
        idp.append(singleSignOnServices.map { endpoint("SingleSignOnService", $0) })
        return XMLBuilder(
            "EntityDescriptor", .md,
            attributes: [
                ("ID", SAMLIdentifier.make()), ("entityID", entityID), ("validUntil", validUntil.map(SAMLTime.string)),
            ], children: [.element(idp)])
    }

    /// The signed metadata document.
    public func signedXML(_ signer: EnvelopedSigner) throws -> Data {
        try signer.signedXML(builder.xmlString(declaration: true))
    }
}
