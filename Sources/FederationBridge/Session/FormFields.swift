import Foundation
import Hummingbird

/// Fields of an `application/x-www-form-urlencoded` body.
public struct FormFields: Sendable {
    public var values: [String: String]

    public subscript(_ name: String) -> String? { values[name] }

    /// Parses the body; repeated names keep the first value (a second value
    /// cannot override the first, e.g. a smuggled second `decision`).
    public init(urlEncoded body: String) {
        var values: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String? {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = parts.first.flatMap(decode) else { continue }
            let value = parts.count > 1 ? (decode(parts[1]) ?? "") : ""
            if values[name] == nil { values[name] = value }
        }
        self.values = values
    }

    /// Reads and parses a form body of at most `limit` bytes; a larger one
    /// is a refusal with its code, not an internal error.
    public static func from(_ request: Request, limit: Int = 64 * 1024) async throws -> FormFields {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw FlowError(.malformedRequest, .contentTooLarge, .invalidRequest, "form body larger than \(limit / 1024) KiB")
        }
        return FormFields(urlEncoded: String(buffer: buffer))
    }
}
