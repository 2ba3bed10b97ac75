/// The byte layout of the compact flow-state format.
///
/// A document is `0xFB 0x01` and one value. Every value starts with a tag.
/// A container's tag is followed by the length of what follows it up to and
/// including its `end` tag (4 bytes, little-endian), written when it closes,
/// so a reader steps over a nested value without walking it.
/// Keys are written as text, so fields may be added or dropped between
/// releases exactly as with JSON.
enum CompactFormat {
    static let magic: [UInt8] = [0xFB, 0x01]
    /// Nesting a reader follows before it calls the data corrupt.
    static var maxDepth: Int { 64 }

    enum Tag: UInt8 {
        case null = 0
        case `false` = 1
        case `true` = 2
        /// Zig-zag LEB128.
        case signed = 3
        /// LEB128.
        case unsigned = 4
        /// IEEE 754 binary64, little-endian.
        case double = 5
        /// LEB128 length, then UTF-8.
        case string = 6
        /// LEB128 length, then the bytes.
        case bytes = 7
        /// Length, then entries (the key as a `string` value, then the value) until `end`.
        case keyed = 8
        /// Length, then values until `end`.
        case unkeyed = 9
        /// Seconds since 1970 as binary64.
        case date = 10
        case end = 0xFF
    }
}

extension Array where Element == UInt8 {
    mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        append(UInt8(rest))
    }

    mutating func appendDouble(_ value: Double) {
        var bits = value.bitPattern.littleEndian
        Swift.withUnsafeBytes(of: &bits) { append(contentsOf: $0) }
    }

    mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            appendVarint(UInt64(utf8.count))
            append(contentsOf: utf8)
        }
    }
}
