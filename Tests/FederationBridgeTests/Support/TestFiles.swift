import Foundation

@testable import FederationBridge

/// A scratch folder with the files a configuration points at.
struct ConfigFixture {
    let directory: URL

    static let fakeKey = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n"
    static let fakeCertificate = "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n"
    static let flowKey = Data(repeating: 7, count: 32).base64EncodedString()
    static let pseudonymSecret = Data(repeating: 9, count: 32).base64EncodedString()

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fb-config-\(UUID().uuidString)", isDirectory: true)
        let keys = directory.appendingPathComponent("keys", isDirectory: true)
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("metadata", isDirectory: true), withIntermediateDirectories: true)
        for name in ["signing-key", "encryption-key", "tree-head-key", "iamsmart-key"] {
            try Self.fakeKey.write(to: keys.appendingPathComponent("\(name).pem"), atomically: true, encoding: .utf8)
        }
        for name in ["signing-cert", "encryption-cert"] {
            try Self.fakeCertificate.write(to: keys.appendingPathComponent("\(name).pem"), atomically: true, encoding: .utf8)
        }
        try "purposes: []\n".write(to: directory.appendingPathComponent("policy.yaml"), atomically: true, encoding: .utf8)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A complete, valid configuration; `overrides` replace whole lines by their first key.
    static func yaml(baseURL: String = "http://127.0.0.1:8443", port: Int = 0, extra: String = "") -> String {
        """
        entityID: https://bridge.example.hk/saml/metadata
        baseURL: \(baseURL)
        listen:
          host: 127.0.0.1
          port: \(port)
        keys:
          signing:
            key: keys/signing-key.pem
            certificate: keys/signing-cert.pem
          encryption:
            key: keys/encryption-key.pem
            certificate: keys/encryption-cert.pem
        metadata:
          directory: metadata
          refreshInterval: 10m
        store:
          url: sqlite:var/bridge.sqlite
        policy:
          file: policy.yaml
        transferLog:
          treeHeadKey: keys/tree-head-key.pem
        iamsmart:
          baseURL: http://127.0.0.1:9000
          clientID: bridge-client
          clientSecret: env:FB_TEST_CLIENT_SECRET
          privateKey: keys/iamsmart-key.pem
          cekPadding: pkcs1v15
          connectTimeout: 2s
          requestTimeout: 8s
          scopes: [eidapi_auth, eidapi_profiles]
        flow:
          stateKey: \(flowKey)
          lifetime: 5m
        mapping:
          pseudonymSecret: env:FB_TEST_PSEUDONYM
          pairwiseScope: bridge.example.hk
          realtype: IAMSMART
          creditableLevelOfAccount:
            basic: L2
            plus: L3
          idcardtype:
            hkid: "40"
        \(extra)
        """
    }

    static let environment = ["FB_TEST_CLIENT_SECRET": "s3cret-from-env", "FB_TEST_PSEUDONYM": pseudonymSecret]

    func load(_ yaml: String, environment: [String: String] = ConfigFixture.environment) throws(ConfigurationError) -> BridgeConfiguration {
        try ConfigurationLoader(environment: environment).load(yaml: yaml, baseDirectory: directory)
    }
}

/// The repository root, from this file's path.
enum Repository {
    static var root: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return url
    }
}
