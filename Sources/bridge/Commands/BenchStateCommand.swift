import ArgumentParser
import FederationBridge
import Foundation

/// `bridge bench state`: the flow-state codec against JSON on a value shaped
/// like a flow at its consent step. Prints the best of many rounds, so a
/// busy machine's noise counts as little as it can.
struct BenchStateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Encode and decode a consent-step flow state with the compact codec and with JSON; print sizes and times."
    )

    @Option(help: "Rounds of 500 encodings and decodings each; the best round counts.")
    var rounds = 40

    struct Attribute: Codable {
        var name: String
        var values: [String]
        var nameFormat: String?
        var transforms: [String]
    }

    struct Route: Codable {
        var requestID, relyingParty, acsURL, binding: String
        var relayState: String?
        var purposeID, nameIDFormat: String
        var claimMode: Bool
    }

    struct Session: Codable {
        var openID, openIDDigest, accessToken: String
        var accessTokenExpiresAt: Int64
        var grantedScopes: [String]
        var assurance: String
        var faceRecognitionUsed: Bool
    }

    struct Release: Codable {
        var pairwiseNameID: String
        var attributes: [Attribute]
        var withheld: [String: String]
        var subjectAgeYears: Int?
        var assurance, authnContextClass: String
        var authnInstant: Date
    }

    struct State: Codable {
        var flowID, phase: String
        var route: Route
        var session: Session?
        var release: Release?
        var createdAt, expiresAt: Date
    }

    static let sample = State(
        flowID: "fl-dmur2gkzqdek5ecz4stfh3ec3y", phase: "awaiting-consent",
        route: Route(
            requestID: "_a8f7e6d5c4b3a2918f7e6d5c4b3a291", relyingParty: "https://gd-platform.sandbox.invalid/sp",
            acsURL: "https://gd-platform.sandbox.invalid/sp/acs", binding: "post", relayState: "rs-123456", purposeID: "gd-realname-account",
            nameIDFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", claimMode: false),
        session: Session(
            openID: "openid-1234567890abcdef", openIDDigest: "85abbff6e66b6166", accessToken: "tok-abcdefghijklmnopqrstuvwxyz0123456789",
            accessTokenExpiresAt: 1_764_480_000, grantedScopes: ["eidapi_auth", "eidapi_formFilling"], assurance: "basic",
            faceRecognitionUsed: false),
        release: Release(
            pairwiseNameID: "pw-4f1c2a9e8d7c6b5a",
            attributes: (0..<6).map {
                Attribute(
                    name: "urn:gd:attr:\($0)", values: ["陳大文 \($0)"], nameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                    transforms: ["mapped"])
            },
            withheld: ["cn": "unverified"], subjectAgeYears: 34, assurance: "basic", authnContextClass: "urn:federation-bridge:ac:iamsmart",
            authnInstant: Date()),
        createdAt: Date(), expiresAt: Date())

    func run() throws {
        let json = JSONEncoder()
        json.dateEncodingStrategy = .millisecondsSince1970
        let jsonDecoder = JSONDecoder()
        jsonDecoder.dateDecodingStrategy = .millisecondsSince1970
        let jsonBytes = try json.encode(Self.sample)
        let compactBytes = try FlowStateCodec.encode(Self.sample)
        var best: [String: Double] = [:]
        func time(_ name: String, _ body: () throws -> Void) rethrows {
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<500 { try body() }
            let microseconds = (clock.now - start).seconds * 1e6 / 500
            best[name] = min(best[name] ?? .infinity, microseconds)
        }
        for _ in 0..<max(rounds, 1) {
            try time("JSON encode") { _ = try json.encode(Self.sample) }
            try time("JSON decode") { _ = try jsonDecoder.decode(State.self, from: jsonBytes) }
            try time("compact encode") { _ = try FlowStateCodec.encode(Self.sample) }
            try time("compact decode") { _ = try FlowStateCodec.decode(State.self, compactBytes) }
        }
        print("flow state at the consent step: JSON \(jsonBytes.count) bytes, compact \(compactBytes.count) bytes")
        for name in ["JSON encode", "compact encode", "JSON decode", "compact decode"] {
            print(
                "  " + name.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(format: "%6.1f µs (best of %d rounds)", best[name] ?? 0, rounds))
        }
    }
}
