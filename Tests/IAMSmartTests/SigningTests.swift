import Foundation
import IAMSmart
import Testing

@Suite("Request signing")
struct SigningTests {
    static let clientID = "fb-vector-client"
    static let secret = "vector-secret-0123456789"
    static let timestamp = "1700000000123"
    static let nonce = "5f1c3c1e-2d5b-4c1a-9a53-0e6f0c1d2b3a"
    static let body = #"{"code":"abc","grantType":"authorization_code"}"#

    /// The vector computed by openssl, independently of swift-crypto.
    static func opensslSignature(message: String, secret: String) throws -> String {
        let raw = try runProcess("openssl", ["dgst", "-sha256", "-hmac", secret, "-binary"], stdin: Data(message.utf8))
        let base64 = String(decoding: try runProcess("base64", ["-w0"], stdin: raw), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return base64.replacingOccurrences(of: "+", with: "%2B")
            .replacingOccurrences(of: "/", with: "%2F")
            .replacingOccurrences(of: "=", with: "%3D")
    }

    @Test func signatureMatchesOpenSSLVector() throws {
        let message = Self.clientID + "HmacSHA256" + Self.timestamp + Self.nonce + Self.body
        let expected = try Self.opensslSignature(message: message, secret: Self.secret)
        let signer = RequestSigner(clientID: Self.clientID, clientSecret: Self.secret)
        let signature = signer.signature(timestamp: Self.timestamp, nonce: Self.nonce, body: Data(Self.body.utf8))
        #expect(signature == expected)
        // Base64 of 32 bytes always ends in one "=", which must arrive URL-encoded.
        #expect(signature.hasSuffix("%3D"))
        #expect(!signature.contains("+") && !signature.contains("/"))
    }

    @Test func signatureVectorWithEmptyBodyAndUnicode() throws {
        for body in ["", "{}", #"{"name":"沙盒 測試","note":"a+b/c=d"}"#] {
            let message = Self.clientID + "HmacSHA256" + Self.timestamp + Self.nonce + body
            let expected = try Self.opensslSignature(message: message, secret: Self.secret)
            let signer = RequestSigner(clientID: Self.clientID, clientSecret: Self.secret)
            #expect(signer.signature(timestamp: Self.timestamp, nonce: Self.nonce, body: Data(body.utf8)) == expected)
        }
    }

    @Test func headersCarryAllFiveFields() {
        let signer = RequestSigner(clientID: Self.clientID, clientSecret: Self.secret)
        let headers = signer.headers(timestamp: Self.timestamp, nonce: Self.nonce, body: Data(Self.body.utf8))
        #expect(headers.pairs.map(\.0) == SignedHeaders.names)
        #expect(headers.signatureMethod == "HmacSHA256")
        #expect(headers.clientID == Self.clientID)
    }

    @Test func verificationRejectsAnyChange() {
        let signer = RequestSigner(clientID: Self.clientID, clientSecret: Self.secret)
        let body = Data(Self.body.utf8)
        let good = signer.signature(timestamp: Self.timestamp, nonce: Self.nonce, body: body)
        #expect(signer.isValid(signature: good, timestamp: Self.timestamp, nonce: Self.nonce, body: body))
        #expect(!signer.isValid(signature: good, timestamp: "1700000000124", nonce: Self.nonce, body: body))
        #expect(!signer.isValid(signature: good, timestamp: Self.timestamp, nonce: Self.nonce + "x", body: body))
        #expect(!signer.isValid(signature: good, timestamp: Self.timestamp, nonce: Self.nonce, body: Data((Self.body + " ").utf8)))
        #expect(!signer.isValid(signature: String(good.dropLast()), timestamp: Self.timestamp, nonce: Self.nonce, body: body))
        let other = RequestSigner(clientID: Self.clientID, clientSecret: Self.secret + "!")
        #expect(!other.isValid(signature: good, timestamp: Self.timestamp, nonce: Self.nonce, body: body))
    }

    @Test func timestampsNeverDecreaseWhenTheClockStepsBack() async {
        let clock = SteppingClock([1_000, 2_000, 1_500, 900, 2_500, 2_500, 3_000])
        let generator = TimestampGenerator(wallClock: { clock.next() })
        var seen: [Int64] = []
        for _ in 0..<7 { seen.append(await generator.next()) }
        #expect(seen == [1_000, 2_000, 2_000, 2_000, 2_500, 2_500, 3_000])
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func timestampsFromManyTasksAreMonotonicPerCall() async {
        let generator = TimestampGenerator()
        let values = await withTaskGroup(of: Int64.self) { group in
            for _ in 0..<200 { group.addTask { await generator.next() } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values.count == 200)
        let now = TimestampGenerator.systemMilliseconds()
        #expect(values.allSatisfy { abs(now - $0) < 60_000 })
    }

    @Test func noncesAreUniqueAndShortEnough() {
        let nonces = (0..<5_000).map { _ in NonceGenerator.next() }
        #expect(Set(nonces).count == nonces.count)
        #expect(nonces.allSatisfy { $0.count <= 36 && !$0.isEmpty })
    }
}

/// A wall clock that returns a scripted series (steps back included).
final class SteppingClock: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int64]
    init(_ values: [Int64]) { self.values = values }
    func next() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        return values.isEmpty ? 0 : values.removeFirst()
    }
}
