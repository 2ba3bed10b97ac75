import Foundation

/// Decodes `Decodable` values from the compact flow-state format. Every read
/// is bounds-checked; a wrong tag is a `typeMismatch` (so `try?` probing, as
/// `JSONValue` does, works), anything malformed is `dataCorrupted`.
struct CompactDecoder {
    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let reader = CompactReader(bytes: bytes)
        guard bytes.starts(with: CompactFormat.magic) else { throw reader.corrupt("not the compact format", []) }
        let start = CompactFormat.magic.count
        guard try reader.skip(at: start, []) == bytes.count else { throw reader.corrupt("bytes after the value", []) }
        return try reader.decodeValue(type, at: start, depth: 0, codingPath: [])
    }
}

extension CompactReader {
    func decodeValue<T: Decodable>(_ type: T.Type, at offset: Int, depth: Int, codingPath: [any CodingKey]) throws -> T {
        guard depth < CompactFormat.maxDepth else { throw corrupt("nested too deep", codingPath) }
        if T.self == Data.self {
            try expect(.bytes, at: offset, type, codingPath)
            if let data = Data(bytes[try span(at: offset + 1, codingPath)]) as? T { return data }
        }
        if T.self == Date.self {
            try expect(.date, at: offset, type, codingPath)
            if let date = Date(timeIntervalSince1970: try double(at: offset + 1, codingPath)) as? T { return date }
        }
        return try T(from: CompactValueDecoder(reader: self, offset: offset, depth: depth, codingPath: codingPath))
    }

    func expect(_ expected: CompactFormat.Tag, at offset: Int, _ type: Any.Type, _ codingPath: @autoclosure () -> [any CodingKey]) throws {
        guard try tag(at: offset, codingPath()) == expected else {
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath(), debugDescription: "compact flow state holds another type here"))
        }
    }

    func bool(at offset: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> Bool {
        switch try tag(at: offset, codingPath()) {
        case .true: return true
        case .false: return false
        default: throw DecodingError.typeMismatch(Bool.self, .init(codingPath: codingPath(), debugDescription: "not a Boolean"))
        }
    }

    func string(at offset: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> String {
        try expect(.string, at: offset, String.self, codingPath())
        return try text(try span(at: offset + 1, codingPath()), codingPath())
    }

    func double(value offset: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> Double {
        try expect(.double, at: offset, Double.self, codingPath())
        return try double(at: offset + 1, codingPath())
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type, at offset: Int, _ codingPath: @autoclosure () -> [any CodingKey]) throws -> I {
        let result: I?
        switch try tag(at: offset, codingPath()) {
        case .signed:
            let raw = try varint(at: offset + 1, codingPath()).0
            result = I(exactly: Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
        case .unsigned:
            result = I(exactly: try varint(at: offset + 1, codingPath()).0)
        default:
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath(), debugDescription: "not an integer"))
        }
        guard let result else { throw corrupt("integer out of range for \(type)", codingPath()) }
        return result
    }
}

/// The `Decoder` for the value at one offset.
struct CompactValueDecoder: Decoder {
    let reader: CompactReader
    let offset: Int
    let depth: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try reader.expect(.keyed, at: offset, [String: Any].self, codingPath)
        var entries: [(key: Range<Int>, value: Int)] = []
        let end = try reader.skip(at: offset, codingPath)
        var next = reader.containerContent(at: offset)
        while next < end - 1 {
            let entry = try reader.keyEntry(at: next, codingPath)
            entries.append((entry.key, entry.valueOffset))
            next = try reader.skip(at: entry.valueOffset, depth: depth + 1, codingPath)
        }
        guard next == end - 1 else { throw reader.corrupt("an entry runs past its container", codingPath) }
        return KeyedDecodingContainer(CompactKeyedDecoding<Key>(reader: reader, entries: entries, depth: depth, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try reader.expect(.unkeyed, at: offset, [Any].self, codingPath)
        return CompactUnkeyedDecoding(
            reader: reader, offset: reader.containerContent(at: offset), end: try reader.skip(at: offset, codingPath) - 1, depth: depth,
            codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        CompactSingleValueDecoding(reader: reader, offset: offset, depth: depth, codingPath: codingPath)
    }
}

struct CompactKeyedDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let reader: CompactReader
    let entries: [(key: Range<Int>, value: Int)]
    let depth: Int
    let codingPath: [any CodingKey]

    var allKeys: [Key] {
        entries.compactMap { entry in (try? reader.text(entry.key, codingPath)).flatMap(Key.init(stringValue:)) }
    }

    /// Entries are few (a struct's fields), so a scan of byte comparisons
    /// beats hashing.
    private func find(_ key: Key) -> Int? {
        var name = key.stringValue
        return name.withUTF8 { name in
            reader.bytes.withUnsafeBufferPointer { bytes in
                entries.first { entry in
                    guard entry.key.count == name.count else { return false }
                    guard let stored = bytes.baseAddress, let wanted = name.baseAddress else { return name.isEmpty }
                    return memcmp(stored + entry.key.lowerBound, wanted, name.count) == 0
                }?.value
            }
        }
    }

    private func offset(_ key: Key) throws -> Int {
        guard let offset = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for \(key.stringValue)"))
        }
        return offset
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { try reader.tag(at: try offset(key), codingPath) == .null }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try reader.bool(at: try offset(key), codingPath + [key]) }

    func decode(_ type: String.Type, forKey key: Key) throws -> String { try reader.string(at: try offset(key), codingPath + [key]) }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try reader.double(value: try offset(key), codingPath + [key]) }

    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decode(Double.self, forKey: key)) }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try reader.integer(type, at: try offset(key), codingPath + [key]) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try reader.integer(type, at: try offset(key), codingPath + [key]) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try reader.integer(type, at: try offset(key), codingPath + [key]) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try reader.integer(type, at: try offset(key), codingPath + [key]) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try reader.integer(type, at: try offset(key), codingPath + [key]) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try reader.integer(type, at: try offset(key), codingPath + [key]) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try reader.integer(type, at: try offset(key), codingPath + [key]) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try reader.integer(type, at: try offset(key), codingPath + [key]) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try reader.integer(type, at: try offset(key), codingPath + [key]) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try reader.integer(type, at: try offset(key), codingPath + [key]) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try reader.decodeValue(type, at: try offset(key), depth: depth + 1, codingPath: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(at: try offset(key), key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(at: try offset(key), key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        guard let key = Key(stringValue: "super") else { throw reader.corrupt("no super key", codingPath) }
        return try superDecoder(forKey: key)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { decoder(at: try offset(key), key) }

    private func decoder(at offset: Int, _ key: Key) -> CompactValueDecoder {
        CompactValueDecoder(reader: reader, offset: offset, depth: depth + 1, codingPath: codingPath + [key])
    }
}

struct CompactUnkeyedDecoding: UnkeyedDecodingContainer {
    let reader: CompactReader
    /// Where the next element starts.
    private var offset: Int
    /// Where the container's end tag is.
    private let end: Int
    let depth: Int
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0
    var count: Int? { nil }

    init(reader: CompactReader, offset: Int, end: Int, depth: Int, codingPath: [any CodingKey]) {
        self.reader = reader
        self.offset = offset
        self.end = end
        self.depth = depth
        self.codingPath = codingPath
    }

    var isAtEnd: Bool { offset >= end }

    private var path: [any CodingKey] { codingPath + [CompactIndexKey(currentIndex)] }

    /// Reads the next element with `read` and moves past it.
    private mutating func next<T>(_ type: T.Type, _ read: (CompactReader, Int, [any CodingKey]) throws -> T) throws -> T {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: path, debugDescription: "no more elements"))
        }
        let value = try read(reader, offset, path)
        offset = try reader.skip(at: offset, depth: depth + 1, path)
        guard offset <= end else { throw reader.corrupt("an element runs past its container", path) }
        currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard try reader.tag(at: offset, path) == .null else { return false }
        offset += 1
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type) { try $0.bool(at: $1, $2) } }
    mutating func decode(_ type: String.Type) throws -> String { try next(type) { try $0.string(at: $1, $2) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type) { try $0.double(value: $1, $2) } }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    mutating func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    private mutating func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        try next(type) { try $0.integer(type, at: $1, $2) }
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let depth = depth
        return try next(type) { try $0.decodeValue(type, at: $1, depth: depth + 1, codingPath: $2) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let depth = depth
        return try next(KeyedDecodingContainer<NestedKey>.self) {
            try CompactValueDecoder(reader: $0, offset: $1, depth: depth + 1, codingPath: $2).container(keyedBy: type)
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let depth = depth
        return try next((any UnkeyedDecodingContainer).self) {
            try CompactValueDecoder(reader: $0, offset: $1, depth: depth + 1, codingPath: $2).unkeyedContainer()
        }
    }

    mutating func superDecoder() throws -> any Decoder {
        let depth = depth
        return try next((any Decoder).self) { CompactValueDecoder(reader: $0, offset: $1, depth: depth + 1, codingPath: $2) }
    }
}

struct CompactSingleValueDecoding: SingleValueDecodingContainer {
    let reader: CompactReader
    let offset: Int
    let depth: Int
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { (try? reader.tag(at: offset, codingPath)) == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try reader.bool(at: offset, codingPath) }
    func decode(_ type: String.Type) throws -> String { try reader.string(at: offset, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try reader.double(value: offset, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { try reader.integer(type, at: offset, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try reader.integer(type, at: offset, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try reader.integer(type, at: offset, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try reader.integer(type, at: offset, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try reader.integer(type, at: offset, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try reader.integer(type, at: offset, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try reader.integer(type, at: offset, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try reader.integer(type, at: offset, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try reader.integer(type, at: offset, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try reader.integer(type, at: offset, codingPath) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try reader.decodeValue(type, at: offset, depth: depth + 1, codingPath: codingPath)
    }
}
