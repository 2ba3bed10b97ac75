@preconcurrency import Crypto
import Foundation
import PIAChecks
import SAMLMapper

/// Our keys as the flow uses them, read once from the configuration.
public struct IdPKeyMaterial: Sendable {
    public let signer: EnvelopedSigner
    public let signingCertificateDER: Data
    public let nextSigningCertificateDER: Data?
    public let encryptionCertificateDER: Data
    public let treeHeadSigner: TreeHeadSigner

    public init(configuration: BridgeConfiguration) throws {
        let keys = configuration.keys
        signingCertificateDER = try Self.der(keys.signing.certificate, label: "CERTIFICATE")
        nextSigningCertificateDER = try keys.nextSigningCertificate.map { try Self.der($0, label: "CERTIFICATE") }
        encryptionCertificateDER = try Self.der(keys.encryption.certificate, label: "CERTIFICATE")
        let key: SigningKey
        do {
            key = try SigningKey(pem: keys.signing.key.pem)
        } catch {
            throw KeyMaterialError("keys.signing.key (\(keys.signing.key.path.path)): \(error)")
        }
        signer = EnvelopedSigner(key: key, certificateDER: Array(signingCertificateDER))
        treeHeadSigner = try Self.treeHeadSigner(configuration.transferLog.treeHeadKey, name: Self.logName(configuration))
    }

    /// Our signed IdP metadata as `GET /saml/metadata` and
    /// `bridge metadata export --config` publish it: current and next signing
    /// keys, the encryption key, SSO and artifact endpoints under the base URL.
    public func signedMetadata(configuration: BridgeConfiguration, now: Date, validity: TimeInterval = 7 * 86400) throws -> Data {
        let endpoints = IdPMetadata.endpoints(baseURL: configuration.baseURLWithoutTrailingSlash)
        let metadata = IdPMetadata(
            entityID: configuration.entityID, signingCertificate: signingCertificateDER,
            nextSigningCertificate: nextSigningCertificateDER, encryptionCertificate: encryptionCertificateDER,
            singleSignOnServices: endpoints.sso, artifactResolutionServices: endpoints.artifact, singleLogoutServices: [],
            nameIDFormats: [NameID.persistent], validUntil: now.addingTimeInterval(validity), wantAuthnRequestsSigned: true)
        return try metadata.signedXML(signer)
    }

    /// The checkpoint origin of our transfer log: `<host>/transfer-log`.
    static func logName(_ configuration: BridgeConfiguration) -> String {
        "\(configuration.baseURL.host ?? "federation-bridge")/transfer-log"
    }

    /// Ed25519 PKCS#8 (RFC 8410) PEM → tree-head signer.
    static func treeHeadSigner(_ file: BridgeConfiguration.PEMFile, name: String) throws -> TreeHeadSigner {
        let der = try der(file, label: "PRIVATE KEY")
        let prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
        guard der.count == 48, Array(der.prefix(16)) == prefix,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        else {
            throw KeyMaterialError("transferLog.treeHeadKey (\(file.path.path)): expected an Ed25519 PKCS#8 key (openssl genpkey -algorithm ed25519)")
        }
        return try TreeHeadSigner(name: name, privateKey: key)
    }

    static func der(_ file: BridgeConfiguration.PEMFile, label: String) throws -> Data {
        guard let der = PEMText.der(file.pem, label: label) else {
            throw KeyMaterialError("\(file.path.path): no readable PEM block \"\(label)\"")
        }
        return der
    }
}

/// A key file that the configuration loader accepted but the flow cannot use.
public struct KeyMaterialError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
