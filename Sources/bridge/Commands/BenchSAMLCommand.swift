import ArgumentParser
import Crypto
import Foundation
import PKCS11Token
import SAMLMapper
import _CryptoExtras

#if canImport(Glibc)
import Glibc
#endif

struct BenchSAMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saml",
        abstract: "Build and sign SAML Responses and print the rate."
    )

    @Option(help: "Seconds to run each algorithm.")
    var seconds: Double = 3

    @Flag(help: "Also sign with keys in a PKCS#11 token, next to the file-key figures (FB_PKCS11_MODULE, FB_PKCS11_TOKEN, FB_PKCS11_PIN).")
    var pkcs11 = false

    @Option(help: "Concurrent signers for the token run (the token serialises per session).")
    var tokenSigners: Int = 1

    @Option(parsing: .upToNextOption, help: "Only these keys (by the name printed, e.g. P-256), for profiling one of them.")
    var only: [String] = []

    func run() async throws {
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let p256 = P256.Signing.PrivateKey()
        var keys: [(String, SigningKey)] = [
            ("RSA-2048", .rsa(rsa)), ("RSA-2048 encrypted", .rsa(rsa)), ("RSA-2048 swift-crypto", .rsa(RSASigningKey(rsa, libcrypto: false))),
            ("P-256", .p256(p256)),
            ("SM2", .sm2(try SM2Key.generate())),
        ]
        var cleanUp: [String] = []
        var tokenForCleanUp: Token?
        if pkcs11 {
            guard let configuration = TokenConfiguration(environment: ProcessInfo.processInfo.environment, prefix: "FB_PKCS11_") else {
                throw ValidationError("--pkcs11 needs FB_PKCS11_MODULE, FB_PKCS11_TOKEN and FB_PKCS11_PIN in the environment")
            }
            let token = try Token(configuration)
            for (name, type) in [("RSA-2048", TokenKeyType.rsa2048), ("P-256", .p256)] {
                let label = "bench-\(type.rawValue)-\(UUID().uuidString.prefix(8))"
                keys.append(("\(name) token", try SigningKey(tokenKey: try token.generateKey(type, label: label))))
                cleanUp.append(label)
            }
            print("token: \(configuration)")
            tokenForCleanUp = token
        }
        defer { for label in cleanUp { try? tokenForCleanUp?.destroyKeyPair(label: label) } }
        print("signed-Response builds (Assertion and Response each signed, one core):")
        var rates: [String: Double] = [:]
        // As a sign-in sends them: the signed Assertion encrypted to the
        // relying party's RSA key, inside a signed Response.
        let recipient = AssertionEncrypter(recipientKey: try _RSA.Encryption.PrivateKey(keySize: .bits2048).publicKey)
        for (name, key) in keys where only.isEmpty || only.contains(name) {
            let signers = name.hasSuffix("token") ? max(tokenSigners, 1) : 1
            let (count, secs) = try await Self.measure(
                seconds: seconds, signers: signers, key: key, encrypter: name.hasSuffix("encrypted") ? recipient : nil)
            let padded = name.padding(toLength: 22, withPad: " ", startingAt: 0)
            let note = signers > 1 ? ", \(signers) signers" : ""
            print("  \(padded)" + String(format: "%8.1f responses/s  (%d in %.2f s%@)", Double(count) / secs, count, secs, note))
            rates[name] = Double(count) / secs
        }
        guard let line = Self.opensslRSASignRate() else {
            print("openssl not found: no reference rate")
            return
        }
        print("openssl speed -seconds 1 rsa2048:")
        print("  " + line)
        guard let floor = Self.signsPerSecond(fromSpeedLine: line) else { return }
        for name in ["RSA-2048", "RSA-2048 encrypted", "RSA-2048 swift-crypto"] {
            guard let rate = rates[name] else { continue }
            print(String(format: "  %@: %.0f signatures/s in whole Responses = %.2f of openssl's RSA-2048 floor", name, rate * 2, rate * 2 / floor))
        }
        // Against the floor of the implementation that signs, with the same
        // key, alternating short spells of bare signing and whole Responses:
        // on a shared machine the rate drifts by a third from one second to
        // the next, which a floor measured at another moment would count.
        print("whole Responses against the same key's bare signing, interleaved in quarter-second spells:")
        for (name, key) in [("RSA-2048", SigningKey.rsa(rsa)), ("RSA-2048 swift-crypto", .rsa(RSASigningKey(rsa, libcrypto: false)))]
        where only.isEmpty || only.contains(name) {
            for encrypted in [false, true] {
                let (bare, whole) = try Self.interleaved(key: key, encrypter: encrypted ? recipient : nil, seconds: seconds)
                print(
                    String(
                        format: "  %@%@: %.0f bare signatures/s, %.0f in whole Responses = %.2f of the floor", name,
                        encrypted ? " encrypted" : "", bare, whole, whole / bare))
            }
        }
    }

    /// Bare PKCS#1 v1.5 signatures per second and signatures per second in
    /// whole Responses (two each), measured in alternating spells.
    static func interleaved(key: SigningKey, encrypter: AssertionEncrypter?, seconds: Double) throws -> (bare: Double, whole: Double) {
        let signer = EnvelopedSigner(key: key)
        let protection = Response.Protection(signAssertions: true, signResponse: true, encrypter: encrypter)
        let message = Data(repeating: 0x3C, count: 700)
        let clock = ContinuousClock()
        var bare = (count: 0, time: Duration.zero)
        var whole = (count: 0, time: Duration.zero)
        for _ in 0..<max(1, Int(seconds * 2)) {
            var start = clock.now
            while clock.now - start < .milliseconds(250) {
                _ = try key.sign(message, algorithm: .rsaSHA256)
                bare.count += 1
            }
            bare.time += clock.now - start
            start = clock.now
            while clock.now - start < .milliseconds(250) {
                _ = try Self.sampleResponse().signedXML(signer, protection: protection)
                whole.count += 2
            }
            whole.time += clock.now - start
        }
        return (Double(bare.count) / bare.time.seconds, Double(whole.count) / whole.time.seconds)
    }

    /// sign/s from the `rsa 2048 bits 0.000383s 0.000011s 2611.0 90909.1` line.
    static func signsPerSecond(fromSpeedLine line: String) -> Double? {
        let fields = line.split(separator: "\n").last?.split(separator: " ", omittingEmptySubsequences: true) ?? []
        guard fields.count >= 6 else { return nil }
        return Double(fields[5])
    }

    /// Signed Responses built in `seconds` by `signers` concurrent tasks.
    static func measure(seconds: Double, signers: Int, key: SigningKey, encrypter: AssertionEncrypter? = nil) async throws -> (Int, Double) {
        let signer = EnvelopedSigner(key: key)
        let protection = Response.Protection(signAssertions: true, signResponse: true, encrypter: encrypter)
        let clock = ContinuousClock()
        let start = clock.now
        let budget = Duration.milliseconds(Int(seconds * 1000))
        let count = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<signers {
                group.addTask {
                    var count = 0
                    while clock.now - start < budget {
                        _ = try Self.sampleResponse().signedXML(signer, protection: protection)
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = clock.now - start
        return (count, elapsed.seconds)
    }

    static func sampleResponse() -> Response {
        let now = Date()
        let assertion = Assertion(
            issuer: "https://bridge.example.org/idp",
            nameID: NameID(value: "pseudonym-4f1c2a", spNameQualifier: "https://rp.example.org/sp"),
            subjectConfirmations: [SubjectConfirmation(recipient: "https://rp.example.org/acs", notOnOrAfter: now + 300, inResponseTo: "_req1")],
            conditions: Conditions(notBefore: now - 60, notOnOrAfter: now + 300, audiences: ["https://rp.example.org/sp"]),
            authnStatement: AuthnStatement(
                authnInstant: now, sessionIndex: "_s1", contextClassRef: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"),
            attributes: [SAMLAttribute(name: "urn:example:attr:level", values: ["2"])])
        return Response(
            inResponseTo: "_req1", destination: "https://rp.example.org/acs", issuer: "https://bridge.example.org/idp", assertions: [assertion])
    }

    /// The `rsa 2048 bits` result line of `openssl speed`, or nil without openssl.
    static func opensslRSASignRate() -> String? {
        guard let output = runWithDefaultSignals(["openssl", "speed", "-seconds", "1", "rsa2048"]) else { return nil }
        let lines = output.split(separator: "\n")
        guard let header = lines.first(where: { $0.contains("sign/s") }), let result = lines.last(where: { $0.hasPrefix("rsa 2048") }) else {
            return nil
        }
        return "\(header.trimmingCharacters(in: .whitespaces))\n  \(result)"
    }

    /// Runs a tool with an empty signal mask and default SIGALRM handling:
    /// `openssl speed` times itself with SIGALRM, which this process's
    /// runtime blocks and Foundation's `Process` would pass on.
    static func runWithDefaultSignals(_ arguments: [String]) -> String? {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGALRM)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for a in argv { free(a) } }
        var pid = pid_t()
        let rc = posix_spawnp(&pid, arguments[0], &actions, &attr, argv, environ)
        close(fds[1])
        let reader = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        guard rc == 0 else { return nil }
        let output = reader.readDataToEndOfFile()
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else { return nil }
        return String(decoding: output, as: UTF8.self)
    }
}
