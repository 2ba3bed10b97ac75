import Foundation
import IAMSmart
import SAMLMapper
import Testing

@testable import FederationBridge

@Suite struct FlowStateCodecTests {
    struct Sample: Codable, Equatable {
        struct Inner: Codable, Equatable {
            var name: String
            var values: [String]
            var note: String?
        }

        var text = "陳大文 \"quoted\" \\ and \u{0} and 🙂"
        var empty = ""
        var flag = true
        var small: Int8 = -128
        var wide: Int64 = .min
        var unsigned: UInt64 = .max
        var byte: UInt8 = 255
        var count = 42
        var ratio = -0.1
        var single: Float = 1.5
        var infinite = Double.infinity
        var bytes = Data([0, 1, 2, 254, 255])
        var noBytes = Data()
        var time = Date(timeIntervalSince1970: 1_764_480_000.123)
        var missing: String? = nil
        var present: Int? = 0
        var inner = Inner(name: "n", values: ["a", "b"], note: nil)
        var list = [Inner(name: "x", values: [], note: "y")]
        var optionals: [String?] = ["a", nil, "c"]
        var byAttribute: [GuangdongAttribute: WithheldReason] = [.chineseName: .notInProfile]
        var byText: [String: Int] = ["one": 1, "two": 2]
        var nested: [[Int]] = [[], [1], [2, 3]]
        var json: JSONValue = .object(["a": .array([.number(1.5), .bool(false), .null, .string("s")]), "b": .object([:])])
        var phase = FlowState.Phase.awaitingConsent
    }

    @Test func valuesComeBackAsTheyWent() throws {
        let sample = Sample()
        let encoded = try FlowStateCodec.encode(sample)
        #expect(encoded.starts(with: [0xFB, 0x01]))
        #expect(try FlowStateCodec.decode(Sample.self, encoded) == sample)
        let pointer = FlowPointer(
            flowID: "fl-1",
            route: FlowRoute(
                requestID: "_r", relyingParty: "https://rp.example/sp", acsURL: "https://rp.example/acs", binding: .artifact,
                relayState: nil, purposeID: "p", nameIDFormat: NameID.persistent, requestedAuthnContext: nil, claimMode: true),
            flowExpiresAt: Date(timeIntervalSince1970: 1_800_000_000), finished: true)
        let back = try FlowStateCodec.decode(FlowPointer.self, try FlowStateCodec.encode(pointer))
        #expect(back.flowID == "fl-1" && back.route.binding == .artifact && back.route.relayState == nil && back.finished == true)
        #expect(back.flowExpiresAt == pointer.flowExpiresAt)
    }

    @Test func itIsSmallerThanJSON() throws {
        let json = JSONEncoder()
        json.dateEncodingStrategy = .millisecondsSince1970
        var sample = Sample()
        sample.infinite = 1
        #expect(try FlowStateCodec.encode(sample).count < json.encode(sample).count)
    }

    /// Flows begun before an upgrade were stored as JSON and still read.
    @Test func storedJSONStillReads() throws {
        var sample = Sample()
        sample.time = Date(timeIntervalSince1970: 1_764_480_000.125)
        sample.infinite = 1
        let json = JSONEncoder()
        json.dateEncodingStrategy = .millisecondsSince1970
        #expect(try FlowStateCodec.decode(Sample.self, json.encode(sample)) == sample)
    }

    struct Nesting: Encodable {
        enum Keys: String, CodingKey { case outer, inner }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var nested = container.nestedContainer(keyedBy: Keys.self, forKey: .outer)
            try nested.encode("deferred", forKey: .inner)
        }
    }

    struct Nested: Decodable, Equatable {
        struct Inner: Decodable, Equatable { var inner: String }
        var outer: Inner
    }

    @Test func whatCannotBeStreamedIsWrittenAsJSON() throws {
        let encoded = try FlowStateCodec.encode(Nesting())
        #expect(encoded.first == UInt8(ascii: "{"))
        #expect(try FlowStateCodec.decode(Nested.self, encoded) == Nested(outer: .init(inner: "deferred")))
    }

    @Test func damagedBytesAreRefusedNotTrusted() throws {
        let encoded = Array(try FlowStateCodec.encode(Sample()))
        for length in 0..<encoded.count {
            #expect(throws: (any Error).self) { try FlowStateCodec.decode(Sample.self, Data(encoded.prefix(length))) }
        }
        #expect(throws: (any Error).self) { try FlowStateCodec.decode(Sample.self, Data(encoded + [0])) }
        // Any single changed byte either fails or decodes to something; it never traps.
        for index in encoded.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = encoded
                damaged[index] ^= flip
                _ = try? FlowStateCodec.decode(Sample.self, Data(damaged))
            }
        }
        // A length that claims more than there is.
        #expect(throws: (any Error).self) { try FlowStateCodec.decode(String.self, Data([0xFB, 0x01, 6, 0xFF, 0xFF, 0xFF, 0x7F, 0x61])) }
        // Nesting deeper than any flow state is refused before the stack runs out.
        var nested: [UInt8] = []
        for _ in 0..<10_000 {
            let content = nested + [0xFF]
            let length = UInt32(content.count)
            nested = [9] + (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + content
        }
        #expect(throws: DecodingError.self) { try FlowStateCodec.decode(JSONValue.self, Data([0xFB, 0x01] + nested)) }
        // A container whose stored length disagrees with its content.
        var shortened = encoded
        if let tag = shortened.firstIndex(of: 8) { shortened[tag + 1] &-= 1 }
        #expect(throws: (any Error).self) { try FlowStateCodec.decode(Sample.self, Data(shortened)) }
        // A wrong type is a type mismatch, not a crash.
        #expect(throws: DecodingError.self) { try FlowStateCodec.decode(Int.self, FlowStateCodec.encode("text")) }
        #expect(throws: DecodingError.self) { try FlowStateCodec.decode(Int8.self, FlowStateCodec.encode(300)) }
    }
}
