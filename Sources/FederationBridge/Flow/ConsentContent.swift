@preconcurrency import Crypto
import Foundation

/// Exactly what the consent page shows, in one language: the page is
/// rendered from it and its digest is what the consent record binds, so the
/// transfer log proves what the resident saw when they agreed.
struct ConsentContent: Codable, Sendable, Hashable {
    struct Row: Codable, Sendable, Hashable {
        var label: String
        var name: String
        var values: [String]
    }

    var language: String
    var recipientName: String
    var recipientCity: String
    var recipientContact: String
    var purpose: String
    var legalBasis: String
    var retention: String
    var rows: [Row]
    /// Sentences about what is held back (e.g. an unverified name).
    var notices: [String]
    var textVersion: String

    /// Hex SHA-256 of the content as JSON with sorted keys.
    var digest: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = (try? encoder.encode(self)) ?? Data()
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
