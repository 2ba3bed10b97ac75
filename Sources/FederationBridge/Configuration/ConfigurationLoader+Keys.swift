import Foundation

extension ConfigurationLoader {
    /// The signed-checkpoint file beside a file key; for a key in a token,
    /// `var/transfer-log.checkpoint` beside the configuration.
    static func defaultCheckpointFile(beside key: BridgeConfiguration.PrivateKeyLocation, _ r: ConfigurationReader) -> URL {
        switch key {
        case .file(let file): file.path.deletingPathExtension().appendingPathExtension("checkpoint")
        case .token: r.path("var/transfer-log.checkpoint")
        }
    }

    /// `keys.signing.rollAt`: an ISO 8601 time, only with a next key and certificate.
    static func readRollAt(_ r: ConfigurationReader, hasNext: Bool) -> Date? {
        guard let text = r.optionalString("keys.signing.rollAt") else { return nil }
        guard let date = try? Date(text, strategy: .iso8601) else {
            r.fail("keys.signing.rollAt", "expected an ISO 8601 time such as 2026-12-01T02:00:00Z")
            return nil
        }
        if !hasNext {
            r.fail("keys.signing.rollAt", "needs keys.signing.nextKey and keys.signing.nextCertificate")
        }
        return date
    }

    /// The optional `pkcs11` section; all three settings are required when it is present.
    static func readPKCS11(_ r: ConfigurationReader) -> BridgeConfiguration.PKCS11? {
        guard r.node("pkcs11") != nil else { return nil }
        let module = r.string("pkcs11.module")
        let token = r.string("pkcs11.token")
        let pin = r.string("pkcs11.pin")
        let modulePath = module.map { r.path($0).path }
        if let modulePath, !FileManager.default.fileExists(atPath: modulePath) {
            r.fail("pkcs11.module", "file not found (\(modulePath))")
        }
        guard let modulePath, let token, let pin else { return nil }
        return .init(modulePath: modulePath, tokenLabel: token, pin: pin)
    }
}
