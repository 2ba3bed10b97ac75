@preconcurrency import Crypto
import Foundation
import Testing
@preconcurrency import _CryptoExtras

@testable import SAMLMapper

/// Paths and helpers shared by the SAMLMapper tests.
enum Fixtures {
    /// The package root, found from this file's location.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return url
    }()

    static let vectors = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/vectors")

    static func vector(_ path: String) throws -> Data {
        try Data(contentsOf: vectors.appendingPathComponent(path))
    }

    static func vectorString(_ path: String) throws -> String {
        String(decoding: try vector(path), as: UTF8.self)
    }

    /// A fresh scratch directory.
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("samlmapper-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    // Keys are made once per test process; RSA generation is the slow part.
    static let rsaKey: _RSA.Signing.PrivateKey = {
        do { return try _RSA.Signing.PrivateKey(keySize: .bits2048) } catch { fatalError("RSA key generation failed: \(error)") }
    }()
    static let otherRSAKey: _RSA.Signing.PrivateKey = {
        do { return try _RSA.Signing.PrivateKey(keySize: .bits2048) } catch { fatalError("RSA key generation failed: \(error)") }
    }()
    static let p256Key = P256.Signing.PrivateKey()

    static var rsa: SigningKey { .rsa(rsaKey) }
    static var p256: SigningKey { .p256(p256Key) }
}

/// Output of a finished external command.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs an installed tool (xmlsec1, openssl); a missing tool fails the test.
func runTool(_ name: String, _ arguments: [String], stdin: Data? = nil) throws -> CommandResult {
    let candidates = ["/usr/bin/\(name)", "/usr/local/bin/\(name)", "/bin/\(name)"]
    guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        Issue.record("\(name) is not installed; scripts/test.sh installs it")
        throw CocoaError(.fileNoSuchFile)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// Writes PEM key and certificate files for an external tool.
func writeKeyFiles(_ key: SigningKey, in dir: URL, name: String) throws -> (key: URL, cert: URL, der: Data) {
    let cert = try SelfSignedCertificate(key: key, commonName: "test \(name)")
    let keyURL = dir.appendingPathComponent("\(name)-key.pem")
    let certURL = dir.appendingPathComponent("\(name)-cert.pem")
    try Data(try key.pkcs8PEM().utf8).write(to: keyURL)
    try Data(cert.pem.utf8).write(to: certURL)
    return (keyURL, certURL, cert.der)
}

/// A small assertion with a comment-free NameID and one attribute.
func sampleAssertion(id: String = "_a1", nameID: String = "pseudonym-1") -> Assertion {
    let now = Date()
    return Assertion(
        id: id, issuer: "https://idp.example.org", nameID: NameID(value: nameID),
        subjectConfirmations: [SubjectConfirmation(recipient: "https://sp.example.org/acs", notOnOrAfter: now + 300, inResponseTo: "_r1")],
        conditions: Conditions(notBefore: now - 60, notOnOrAfter: now + 300, audiences: ["https://sp.example.org"]),
        authnStatement: AuthnStatement(authnInstant: now, sessionIndex: "_s1", contextClassRef: "urn:example:ac:level2"),
        attributes: [SAMLAttribute(name: "urn:example:attr:region", values: ["Guangdong & HK <test>"])])
}

extension String {
    /// The substring from the first `start` through the end of the first `end` after it.
    func slice(from start: String, through end: String) -> String? {
        guard let a = range(of: start), let b = range(of: end, range: a.upperBound..<endIndex) else { return nil }
        return String(self[a.lowerBound..<b.upperBound])
    }

    func withoutDeclaration() -> String {
        guard hasPrefix("<?xml"), let end = range(of: "?>") else { return self }
        return String(self[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
