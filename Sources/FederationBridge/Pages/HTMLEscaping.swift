import Mustache

/// HTML escaping of `{{…}}` values on UTF-8 bytes, for the resident pages.
///
/// Escapes the same five characters as the template engine's own HTML
/// content type, which looks each `Character` up in a dictionary; most
/// values (URLs, IDs, tokens, most words) have nothing to escape and come
/// back after one scan.
struct HTMLEscaping: MustacheContentType {
    /// The name templates select it by: `{{% CONTENT_TYPE: HTML_BYTES}}`.
    static let name = "HTML_BYTES"
    static let pragma = "{{% CONTENT_TYPE: \(name)}}"

    /// Registers the content type with the template engine, once per process.
    static let registered: Void = MustacheContentTypes.register(HTMLEscaping(), named: name)

    func escapeText(_ text: String) -> String { Self.escape(text) }

    static func escape(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String? in
            guard let first = bytes.firstIndex(where: { replacement(for: $0) != nil }) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 16)
            out.append(contentsOf: bytes[..<first])
            for byte in bytes[first...] {
                if let replacement = replacement(for: byte) {
                    replacement.withUTF8Buffer { out.append(contentsOf: $0) }
                } else {
                    out.append(byte)
                }
            }
            return String(decoding: out, as: UTF8.self)
        } ?? text
    }

    @inline(__always)
    private static func replacement(for byte: UInt8) -> StaticString? {
        switch byte {
        case UInt8(ascii: "<"): "&lt;"
        case UInt8(ascii: ">"): "&gt;"
        case UInt8(ascii: "&"): "&amp;"
        case UInt8(ascii: "\""): "&quot;"
        case UInt8(ascii: "'"): "&#39;"
        default: nil
        }
    }
}
