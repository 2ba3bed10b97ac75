import Foundation
import SAMLMapper

/// Writes a relying party's SAML `EntityDescriptor` (SPSSODescriptor), the
/// document the bridge reads from its partner metadata folder.
public struct ServiceProviderMetadataWriter: Sendable {
    public var entityID: String
    public var signingCertificateDER: Data
    public var encryptionCertificateDER: Data?
    /// `(binding, location)`; the first is the default, indexes count from 0.
    public var assertionConsumerServices: [(binding: String, location: String)]
    /// `(binding, location)` of SingleLogoutService endpoints, in order.
    public var singleLogoutServices: [(binding: String, location: String)]
    public var requestedAttributes: [String]
    public var validUntil: Date

    public init(
        entityID: String, signingCertificateDER: Data, encryptionCertificateDER: Data?,
        assertionConsumerServices: [(binding: String, location: String)],
        singleLogoutServices: [(binding: String, location: String)] = [], requestedAttributes: [String], validUntil: Date
    ) {
        self.entityID = entityID
        self.signingCertificateDER = signingCertificateDER
        self.encryptionCertificateDER = encryptionCertificateDER
        self.assertionConsumerServices = assertionConsumerServices
        self.singleLogoutServices = singleLogoutServices
        self.requestedAttributes = requestedAttributes
        self.validUntil = validUntil
    }

    public var builder: XMLBuilder {
        let key = XMLBuilder.keyDescriptor
        var sp = XMLBuilder(
            "SPSSODescriptor", .md,
            attributes: [
                ("AuthnRequestsSigned", "true"), ("WantAssertionsSigned", "true"), ("protocolSupportEnumeration", XMLNamespaces.samlp),
            ])
        sp.append(key("signing", signingCertificateDER))
        if let encryptionCertificateDER { sp.append(key("encryption", encryptionCertificateDER)) }
        for slo in singleLogoutServices {
            sp.append(XMLBuilder("SingleLogoutService", .md, attributes: [("Binding", slo.binding), ("Location", slo.location)]))
        }
        sp.append(XMLBuilder("NameIDFormat", .md, text: NameID.persistent))
        for (index, acs) in assertionConsumerServices.enumerated() {
            sp.append(
                XMLBuilder(
                    "AssertionConsumerService", .md,
                    attributes: [
                        ("Binding", acs.binding), ("Location", acs.location), ("index", String(index)), ("isDefault", index == 0 ? "true" : nil),
                    ]))
        }
        if !requestedAttributes.isEmpty {
            var service = XMLBuilder("AttributeConsumingService", .md, attributes: [("index", "0"), ("isDefault", "true")])
            var serviceName = XMLBuilder("ServiceName", .md, text: "Guangdong real-name account (sandbox)")
            serviceName.attribute("lang", "en", namespace: XMLNamespace(prefix: "xml", uri: "http://www.w3.org/XML/1998/namespace"))
            service.append(serviceName)
            for name in requestedAttributes {
                let format = name.hasPrefix("urn:") ? SAMLAttribute.uriNameFormat : SAMLAttribute.basicNameFormat
                service.append(XMLBuilder("RequestedAttribute", .md, attributes: [("Name", name), ("NameFormat", format), ("isRequired", "false")]))
            }
            sp.append(service)
        }
        return XMLBuilder(
            "EntityDescriptor", .md,
            attributes: [
                ("ID", SAMLIdentifier.make()), ("entityID", entityID), ("validUntil", SAMLTime.string(validUntil)),
            ], children: [.element(sp)])
    }

    /// The metadata signed by the federation key the bridge trusts.
    public func signedXML(_ signer: EnvelopedSigner) throws -> Data {
        try signer.signedXML(builder.xmlString(declaration: true))
    }

    /// Unsigned metadata (only for a bridge that accepts unsigned partner files).
    public func unsignedXML() -> Data {
        Data(builder.xmlString(declaration: true).utf8)
    }
}
