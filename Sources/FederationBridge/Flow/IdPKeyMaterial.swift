@preconcurrency import Crypto
import Foundation
import PIAChecks
import PKCS11Token
import SAMLMapper

/// Our keys as the flow uses them, read once from the configuration: from
/// PEM files, or from the PKCS#11 token for keys written `pkcs11:LABEL`.
public struct IdPKeyMaterial: Sendable {
    public let signingCertificateDER: Data
    public let nextSigningCertificateDER: Data?
    public let encryptionCertificateDER: Data
    public let decryptionKey: DecryptionKey
    public let treeHeadSigner: TreeHeadSigner
    /// The iAM Smart client key when it lives in the token (else the flow uses its PEM).
    public let iamSmartTokenKey: TokenKey?
    /// Every token key in use, by configuration key path, for readiness.
    public let tokenKeys: [(role: String, key: TokenKey)]
    private let currentSigner: EnvelopedSigner
    /// The next key and when it takes over (`keys.signing.rollAt`).
    private let rollover: (signer: EnvelopedSigner, at: Date)?

    public init(configuration: BridgeConfiguration) throws {
        let keys = configuration.keys
        let opener = KeyOpener(configuration: configuration)
        signingCertificateDER = try Self.der(keys.signing.certificate, label: "CERTIFICATE")
        nextSigningCertificateDER = try keys.nextSigningCertificate.map { try Self.der($0, label: "CERTIFICATE") }
        encryptionCertificateDER = try Self.der(keys.encryption.certificate, label: "CERTIFICATE")
        let key = try opener.signingKey(keys.signing.key, keyPath: "keys.signing.key")
        currentSigner = EnvelopedSigner(key: key, certificateDER: Array(signingCertificateDER))
        if let nextKey = keys.nextSigningKey, let nextCertificate = nextSigningCertificateDER, let rollAt = keys.rollAt {
            let next = try opener.signingKey(nextKey, keyPath: "keys.signing.nextKey")
            rollover = (EnvelopedSigner(key: next, certificateDER: Array(nextCertificate)), rollAt)
        } else {
            rollover = nil
        }
        decryptionKey = try opener.decryptionKey(keys.encryption.key, keyPath: "keys.encryption.key")
        treeHeadSigner = try opener.treeHeadSigner(configuration.transferLog.treeHeadKey, name: Self.logName(configuration))
        if case .token(let label) = configuration.iamSmart.privateKey {
            iamSmartTokenKey = try opener.tokenKey(label, keyPath: "iamsmart.privateKey")
        } else {
            iamSmartTokenKey = nil
        }
        tokenKeys = opener.opened()
    }

    /// The signer in force now: the next key from `rollAt` on, else the current one.
    public var signer: EnvelopedSigner { signer(at: Date()) }

    public func signer(at date: Date) -> EnvelopedSigner {
        if let rollover, date >= rollover.at { return rollover.signer }
        return currentSigner
    }

    /// Our signed IdP metadata as `GET /saml/metadata` and
    /// `bridge metadata export --config` publish it: current and next signing
    /// keys (after the roll, the next key alone), the encryption key, SSO,
    /// artifact and Single Logout (HTTP-Redirect and HTTP-POST) endpoints under the base URL.
    public func signedMetadata(configuration: BridgeConfiguration, now: Date, validity: TimeInterval = 7 * 86400) throws -> Data {
        let endpoints = IdPMetadata.endpoints(baseURL: configuration.baseURLWithoutTrailingSlash)
        let rolled = rollover.map { now >= $0.at } ?? false
        let metadata = IdPMetadata(
            entityID: configuration.entityID,
            signingCertificate: rolled ? (nextSigningCertificateDER ?? signingCertificateDER) : signingCertificateDER,
            nextSigningCertificate: rolled ? nil : nextSigningCertificateDER, encryptionCertificate: encryptionCertificateDER,
            singleSignOnServices: endpoints.sso, artifactResolutionServices: endpoints.artifact, singleLogoutServices: endpoints.slo,
            nameIDFormats: [NameID.persistent], validUntil: now.addingTimeInterval(validity), wantAuthnRequestsSigned: true)
        return try metadata.signedXML(signer(at: now))
    }

    /// `/readyz` probe for token keys: fails while the token is removed,
    /// locked or missing a key, and passes again once it is back.
    public var readinessProbe: ReadinessProbe {
        let keys = tokenKeys
        return ReadinessProbe(name: "keys") {
            for (role, key) in keys {
                if let problem = key.problem() { return "\(role): \(problem)" }
            }
            return nil
        }
    }

    /// Closes the token sessions, which logs the bridge out; at shutdown.
    public func closeTokens() {
        var closed: Set<ObjectIdentifier> = []
        for (_, key) in tokenKeys where closed.insert(ObjectIdentifier(key.token)).inserted {
            key.token.close()
        }
    }

    /// The checkpoint origin of our transfer log: `<host>/transfer-log`.
    static func logName(_ configuration: BridgeConfiguration) -> String {
        "\(configuration.baseURL.host ?? "federation-bridge")/transfer-log"
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
