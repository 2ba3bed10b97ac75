@preconcurrency import Crypto
import Foundation
import PIAChecks
import PKCS11Token
import SAMLMapper
@preconcurrency import _CryptoExtras

/// Turns configured key locations into usable keys: reads PEM files, or
/// logs in to the configured token once and finds keys by label there.
/// Every error names the configuration key path.
final class KeyOpener {
    private let configuration: BridgeConfiguration
    private var token: Token?
    private var openedKeys: [(role: String, key: TokenKey)] = []

    init(configuration: BridgeConfiguration) {
        self.configuration = configuration
    }

    /// The token keys opened so far, by key path.
    func opened() -> [(role: String, key: TokenKey)] { openedKeys }

    func signingKey(_ location: BridgeConfiguration.PrivateKeyLocation, keyPath: String) throws -> SigningKey {
        do {
            switch location {
            case .file(let file): return try SigningKey(pem: file.pem)
            case .token(let label): return try SigningKey(tokenKey: try tokenKey(label, keyPath: keyPath))
            }
        } catch let error as KeyMaterialError {
            throw error
        } catch {
            throw KeyMaterialError("\(keyPath) (\(location)): \(error)")
        }
    }

    func decryptionKey(_ location: BridgeConfiguration.PrivateKeyLocation, keyPath: String) throws -> DecryptionKey {
        switch location {
        case .file(let file):
            guard let key = try? _RSA.Encryption.PrivateKey(pemRepresentation: file.pem) else {
                throw KeyMaterialError("\(keyPath) (\(location)): expected an RSA private key of 2048 bits or more")
            }
            return .rsa(key)
        case .token(let label):
            do {
                return try DecryptionKey(token: try tokenKey(label, keyPath: keyPath))
            } catch let error as KeyMaterialError {
                throw error
            } catch {
                throw KeyMaterialError("\(keyPath) (\(location)): \(error)")
            }
        }
    }

    /// Ed25519 PKCS#8 (RFC 8410) PEM, or an Ed25519 token key → tree-head signer.
    func treeHeadSigner(_ location: BridgeConfiguration.PrivateKeyLocation, name: String) throws -> TreeHeadSigner {
        let keyPath = "transferLog.treeHeadKey"
        switch location {
        case .token(let label):
            do {
                return try TreeHeadSigner(name: name, tokenKey: try tokenKey(label, keyPath: keyPath))
            } catch let error as KeyMaterialError {
                throw error
            } catch {
                throw KeyMaterialError("\(keyPath) (\(location)): \(error)")
            }
        case .file(let file):
            let der = try IdPKeyMaterial.der(file, label: "PRIVATE KEY")
            let prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
            guard der.count == 48, Array(der.prefix(16)) == prefix,
                let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
            else {
                throw KeyMaterialError("\(keyPath) (\(file.path.path)): expected an Ed25519 PKCS#8 key (openssl genpkey -algorithm ed25519)")
            }
            return try TreeHeadSigner(name: name, privateKey: key)
        }
    }

    /// The key labelled `label` in the configured token (logged in on first use).
    func tokenKey(_ label: String, keyPath: String) throws -> TokenKey {
        guard let settings = configuration.pkcs11 else {
            throw KeyMaterialError("\(keyPath): pkcs11:\(label) needs the pkcs11 section")
        }
        do {
            let token =
                try self.token
                ?? Token(
                    TokenConfiguration(modulePath: settings.modulePath, tokenLabel: settings.tokenLabel, pin: settings.pin))
            self.token = token
            let key = try TokenKey(token: token, label: label)
            openedKeys.append((keyPath, key))
            return key
        } catch {
            throw KeyMaterialError("\(keyPath) (pkcs11:\(label)): \(error)")
        }
    }
}
