import ArgumentParser
import Crypto
import Foundation
import SAMLMapper
import _CryptoExtras

struct BenchSAMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saml",
        abstract: "Build and sign SAML Responses and print the rate."
    )

    @Option(help: "Seconds to run each algorithm.")
    var seconds: Double = 3

    func run() async throws {
        let keys: [(String, SigningKey)] = [
            ("RSA-2048", .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))),
            ("P-256", .p256(P256.Signing.PrivateKey())),
            ("SM2", .sm2(try SM2Key.generate())),
        ]
        print("signed-Response builds (Assertion and Response each signed, one core):")
        for (name, key) in keys {
            let signer = EnvelopedSigner(key: key)
            var count = 0
            let clock = ContinuousClock()
            let start = clock.now
            let budget = Duration.milliseconds(Int(seconds * 1000))
            while clock.now - start < budget {
                _ = try Self.sampleResponse().signedXML(signer)
                count += 1
            }
            let elapsed = clock.now - start
            let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let padded = name.padding(toLength: 9, withPad: " ", startingAt: 0)
            print("  \(padded)" + String(format: "%8.1f responses/s  (%d in %.2f s)", Double(count) / secs, count, secs))
        }
        if let line = Self.opensslRSASignRate() {
            print("openssl speed -seconds 1 rsa2048:")
            print("  " + line)
        } else {
            print("openssl not found: no reference rate")
        }
    }

    static func sampleResponse() -> Response {
        let now = Date()
        let assertion = Assertion(
            issuer: "https://bridge.example.org/idp",
            nameID: NameID(value: "pseudonym-4f1c2a", spNameQualifier: "https://rp.example.org/sp"),
            subjectConfirmations: [SubjectConfirmation(recipient: "https://rp.example.org/acs", notOnOrAfter: now + 300, inResponseTo: "_req1")],
            conditions: Conditions(notBefore: now - 60, notOnOrAfter: now + 300, audiences: ["https://rp.example.org/sp"]),
            authnStatement: AuthnStatement(authnInstant: now, sessionIndex: "_s1", contextClassRef: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"),
            attributes: [SAMLAttribute(name: "urn:example:attr:level", values: ["2"])])
        return Response(inResponseTo: "_req1", destination: "https://rp.example.org/acs", issuer: "https://bridge.example.org/idp", assertions: [assertion])
    }

    /// The `rsa 2048 bits` result line of `openssl speed`, or nil without openssl.
    static func opensslRSASignRate() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "speed", "-seconds", "1", "rsa2048"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let lines = output.split(separator: "\n")
        guard let index = lines.firstIndex(where: { $0.contains("sign/s") }), let result = lines.last(where: { $0.hasPrefix("rsa 2048") || $0.hasPrefix("rsa  2048") }) else {
            return lines.last(where: { $0.contains("rsa") && $0.contains("2048") }).map(String.init)
        }
        return "\(lines[index].trimmingCharacters(in: .whitespaces))\n  \(result)"
    }
}
