@preconcurrency import Crypto
import Foundation
import Testing
@preconcurrency import _CryptoExtras

@testable import SAMLMapper

/// Partner metadata carries certificates the bridge did not make. Whatever
/// key they hold, reading them ends in a key or a typed error: a certificate
/// that cannot encrypt must never take the process down.
@Suite struct PartnerCertificateTests {
    /// SP metadata with one KeyDescriptor for `use` (nil: both uses) holding `certificate`.
    func metadata(certificate: Data, use: String?) throws -> ServiceProviderMetadata {
        let useAttribute = use.map { " use=\"\($0)\"" } ?? ""
        let xml = """
            <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" \
            entityID="https://sp.example.org">\
            <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\
            <md:KeyDescriptor\(useAttribute)><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(certificate.base64EncodedString())\
            </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\
            <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.org/acs" index="0"/>\
            </md:SPSSODescriptor></md:EntityDescriptor>
            """
        return try ServiceProviderMetadata(element: try XMLDocument(parsing: Data(xml.utf8)).root)
    }

    /// An RSA certificate whose key field no longer holds an RSAPublicKey:
    /// the algorithm still says rsaEncryption, the outer DER stays valid.
    func certificateWithBrokenRSAKey() throws -> Data {
        var der = try SelfSignedCertificate(key: .rsa(Fixtures.rsaKey), commonName: "sp").der
        // rsaEncryption OID and NULL parameters, then the BIT STRING (length 0x010f, 0 unused bits) and the key's SEQUENCE.
        let keyStart: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0F, 0x00, 0x30]
        let range = try #require(der.firstRange(of: keyStart))
        der[range.upperBound - 1] = 0x04
        return der
    }

    @Test func anECEncryptionCertificateIsRefusedAsAKeyError() throws {
        let ec = try SelfSignedCertificate(key: .p256(P256.Signing.PrivateKey()), commonName: "sp").der
        let both = try metadata(certificate: ec, use: nil)
        // The same certificate still signs: only encryption has no use for it.
        #expect(try both.signingKeys().count == 1)
        #expect(throws: EncryptionError.self) { try both.assertionEncrypter() }
        #expect(throws: EncryptionError.self) { try metadata(certificate: ec, use: "encryption").assertionEncrypter() }
    }

    @Test func aCertificateWithABrokenRSAKeyIsAnErrorForEitherUse() throws {
        let broken = try certificateWithBrokenRSAKey()
        let encryption = try metadata(certificate: broken, use: "encryption")
        #expect(throws: (any Error).self) { try encryption.assertionEncrypter() }
        let signing = try metadata(certificate: broken, use: "signing")
        #expect(throws: (any Error).self) { try signing.signingKeys() }
    }

    @Test func anRSAEncryptionCertificateGivesAnEncrypter() throws {
        let rsa = try SelfSignedCertificate(key: .rsa(Fixtures.rsaKey), commonName: "sp").der
        let sp = try metadata(certificate: rsa, use: "encryption")
        let encrypter = try #require(try sp.assertionEncrypter())
        #expect(try encrypter.encryptedAssertion(Data("<a/>".utf8)).contains("EncryptedAssertion"))
    }
}
