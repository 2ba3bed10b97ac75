import Foundation

/// Reads values of the compact format from one immutable byte array; every
/// read is bounds-checked and fails with `DecodingError.dataCorrupted`.
struct CompactReader: Sendable {
    let bytes: [UInt8]

    func corrupt(_ what: String, _ codingPath: @autoclosure () -> [any CodingKey]) -> DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: codingPath(), debugDescription: "compact flow state: \(what)"))
    }

    func tag(at offset: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> CompactFormat.Tag {
        guard offset < bytes.count, let tag = CompactFormat.Tag(rawValue: bytes[offset]) else { throw corrupt("unknown tag", codingPath()) }
        return tag
    }

    /// The LEB128 value at `offset` and the offset after it.
    func varint(at offset: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> (UInt64, Int) {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var index = offset
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return (value, index) }
            shift += 7
        }
        throw corrupt("truncated number", codingPath())
    }

    /// The `length`-prefixed byte range at `offset`.
    func span(at offset: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> Range<Int> {
        let (length, start) = try varint(at: offset, codingPath())
        guard length <= UInt64(bytes.count - start) else { throw corrupt("length beyond the end", codingPath()) }
        return start..<(start + Int(length))
    }

    func text(_ range: Range<Int>, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> String {
        guard let text = String(validating: bytes[range], as: UTF8.self) else { throw corrupt("text is not UTF-8", codingPath()) }
        return text
    }

    func double(at offset: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> Double {
        guard offset + 8 <= bytes.count else { throw corrupt("truncated number", codingPath()) }
        var bits: UInt64 = 0
        for index in (0..<8).reversed() { bits = bits << 8 | UInt64(bytes[offset + index]) }
        return Double(bitPattern: bits)
    }

    /// The offset just after the value that starts at `offset`.
    func skip(at offset: Int, depth: Int = 0, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> Int {
        guard depth < CompactFormat.maxDepth else { throw corrupt("nested too deep", codingPath()) }
        switch try tag(at: offset, codingPath()) {
        case .null, .false, .true: return offset + 1
        case .signed, .unsigned: return try varint(at: offset + 1, codingPath()).1
        case .double, .date:
            guard offset + 9 <= bytes.count else { throw corrupt("truncated number", codingPath()) }
            return offset + 9
        case .string, .bytes: return try span(at: offset + 1, codingPath()).upperBound
        case .keyed, .unkeyed:
            let end = try containerEnd(at: offset, codingPath())
            guard bytes[end - 1] == CompactFormat.Tag.end.rawValue else {
                throw corrupt("a container does not end where its length says", codingPath())
            }
            return end
        case .end: throw corrupt("unexpected end of a container", codingPath())
        }
    }

    /// The key of the keyed-container entry at `offset` and where its value starts.
    func keyEntry(at offset: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> (key: Range<Int>, valueOffset: Int) {
        guard try tag(at: offset, codingPath()) == .string else { throw corrupt("a key is not text", codingPath()) }
        let key = try span(at: offset + 1, codingPath())
        return (key, key.upperBound)
    }

    /// Where the content of the container at `offset` starts: after its tag and length.
    func containerContent(at offset: Int) -> Int { offset + 5 }

    /// The offset just after the container at `offset`, from its stored length.
    func containerEnd(at offset: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> Int {
        guard offset + 5 <= bytes.count else { throw corrupt("truncated container", codingPath()) }
        var length = 0
        for index in (1...4).reversed() { length = length << 8 | Int(bytes[offset + index]) }
        guard length >= 1, length <= bytes.count - offset - 5 else { throw corrupt("container length beyond the end", codingPath()) }
        return offset + 5 + length
    }
}
