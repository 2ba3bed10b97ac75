import Foundation
import X509

/// What the bridge needs from a relying party's SAML metadata.
public struct ServiceProviderMetadata: Sendable, Hashable {
    public struct RequestedAttribute: Sendable, Hashable {
        public var name: String
        public var nameFormat: String?
        public var friendlyName: String?
        public var isRequired: Bool

        public init(name: String, nameFormat: String? = nil, friendlyName: String? = nil, isRequired: Bool = false) {
            self.name = name
            self.nameFormat = nameFormat
            self.friendlyName = friendlyName
            self.isRequired = isRequired
        }

        /// The name as written, for logs and reports.
        public var form: String {
            AttributeName(name: name, nameFormat: nameFormat ?? AttributeName.unspecifiedNameFormat).description
        }
    }

    public var entityID: String
    public var validUntil: Date?
    public var authnRequestsSigned: Bool
    public var wantAssertionsSigned: Bool
    public var assertionConsumerServices: [MetadataEndpoint]
    public var singleLogoutServices: [MetadataEndpoint]
    /// DER certificates usable for signing (KeyDescriptor use="signing" or no use).
    public private(set) var signingCertificates: [Data]
    /// The certificates' keys, read once when the metadata is: every
    /// AuthnRequest, LogoutRequest and ArtifactResolve is checked with them,
    /// and every Assertion encrypted.
    private var keysRead = PartnerKeysRead(signing: [], encryption: [])
    /// DER certificates usable for encryption (use="encryption" or no use).
    public var encryptionCertificates: [Data]
    public var nameIDFormats: [String]
    public var requestedAttributes: [RequestedAttribute]

    /// Reads an EntityDescriptor element. It does not check the signature; use `load`.
    public init(element: XMLElement) throws {
        try element.expect("EntityDescriptor", XMLNamespaces.md)
        entityID = try element.required("entityID")
        validUntil = try element.optionalDate("validUntil")
        guard
            let sp = element.children("SPSSODescriptor", in: XMLNamespaces.md).first(where: {
                ($0.attribute("protocolSupportEnumeration") ?? "").split(separator: " ").contains(Substring(XMLNamespaces.samlp))
            })
        else { throw MetadataError.notSPMetadata }
        if let spValid = try sp.optionalDate("validUntil") { validUntil = min(validUntil ?? spValid, spValid) }
        authnRequestsSigned = sp.attribute("AuthnRequestsSigned") == "true" || sp.attribute("AuthnRequestsSigned") == "1"
        wantAssertionsSigned = sp.attribute("WantAssertionsSigned") == "true" || sp.attribute("WantAssertionsSigned") == "1"
        func endpoints(_ name: String) throws -> [MetadataEndpoint] {
            try sp.children(name, in: XMLNamespaces.md).map { e in
                var index: Int?
                if let i = e.attribute("index") {
                    guard let v = Int(i), v >= 0 else { throw SAMLProtocolError.invalid("\(name)@index") }
                    index = v
                }
                return MetadataEndpoint(
                    binding: try e.required("Binding"), location: try e.required("Location"), index: index,
                    isDefault: e.attribute("isDefault").map { $0 == "true" || $0 == "1" })
            }
        }
        assertionConsumerServices = try endpoints("AssertionConsumerService")
        singleLogoutServices = try endpoints("SingleLogoutService")
        var signing: [Data] = []
        var encryption: [Data] = []
        for kd in sp.children("KeyDescriptor", in: XMLNamespaces.md) {
            let certs =
                try kd.firstChild("KeyInfo", in: XMLNamespaces.ds)?.children("X509Data", in: XMLNamespaces.ds)
                .flatMap { $0.children("X509Certificate", in: XMLNamespaces.ds) }
                .map { e -> Data in
                    guard let der = SignatureVerifier.base64(try e.text()) else { throw MetadataError.invalidCertificate }
                    return der
                } ?? []
            let use = kd.attribute("use")
            if use == nil || use == "signing" { signing += certs }
            if use == nil || use == "encryption" { encryption += certs }
        }
        signingCertificates = signing
        keysRead = PartnerKeysRead(signing: signing, encryption: encryption)
        encryptionCertificates = encryption
        nameIDFormats = try sp.children("NameIDFormat", in: XMLNamespaces.md).map { try $0.trimmedText() }
        requestedAttributes = try sp.children("AttributeConsumingService", in: XMLNamespaces.md)
            .flatMap { $0.children("RequestedAttribute", in: XMLNamespaces.md) }
            .map { a in
                RequestedAttribute(
                    name: try a.required("Name"), nameFormat: a.attribute("NameFormat"), friendlyName: a.attribute("FriendlyName"),
                    isRequired: a.attribute("isRequired") == "true" || a.attribute("isRequired") == "1")
            }
    }

    /// Parses one partner's metadata, checks its signature against the
    /// federation's keys and refuses it once `validUntil` has passed.
    public static func load(
        _ xml: Data, federationKeys: [SigningPublicKey], policy: SignaturePolicy = .default, now: Date = Date(),
        requireSignature: Bool = true, requireValidUntil: Bool = true, limits: XMLLimits = .default
    ) throws -> ServiceProviderMetadata {
        let document = try FederationMetadata.load(
            xml, federationKeys: federationKeys, policy: policy, now: now, requireSignature: requireSignature,
            requireValidUntil: requireValidUntil, limits: limits)
        guard document.serviceProviders.count == 1, document.refused.isEmpty, let only = document.serviceProviders.first else {
            throw MetadataError.notSPMetadata
        }
        return only
    }

    /// The SP's signing keys, for AuthnRequest and LogoutRequest checks.
    ///
    /// During a key rollover a partner publishes two keys; one we cannot read
    /// (a key type the bridge does not verify with) is left out rather than
    /// refusing requests signed with the other. Throws when none is usable.
    public func signingKeys() throws -> [SigningPublicKey] {
        if keysRead.signingKeys.isEmpty, let firstError = keysRead.signingError { throw firstError }
        return keysRead.signingKeys
    }

    /// An encrypter for the first encryption certificate; `nil` when the
    /// partner publishes none, and throws when it cannot be used.
    public func assertionEncrypter() throws -> AssertionEncrypter? {
        try keysRead.encrypter.get()
    }

    /// The ACS the SP marked default (or the first with no isDefault="false"), per SAML metadata §2.2.3.
    public var defaultAssertionConsumerService: MetadataEndpoint? {
        assertionConsumerServices.first { $0.isDefault == true }
            ?? assertionConsumerServices.first { $0.isDefault == nil }
            ?? assertionConsumerServices.first
    }
}

/// The keys of a partner's certificates, with the first signing certificate
/// that could not be read. Derived from the certificates, which already take
/// part in equality, so it adds nothing to it.
private struct PartnerKeysRead: Sendable, Hashable {
    var signingKeys: [SigningPublicKey] = []
    var signingError: (any Error)?
    var encrypter: Result<AssertionEncrypter?, any Error>

    init(signing: [Data], encryption: [Data]) {
        for certificate in signing {
            do {
                signingKeys.append(try SigningPublicKey(certificateDER: Array(certificate)))
            } catch {
                signingError = signingError ?? error
            }
        }
        encrypter = Result {
            try encryption.first.map { try AssertionEncrypter(recipientCertificate: try Certificate(derEncoded: Array($0))) }
        }
    }

    static func == (lhs: Self, rhs: Self) -> Bool { true }
    func hash(into hasher: inout Hasher) {}
}
