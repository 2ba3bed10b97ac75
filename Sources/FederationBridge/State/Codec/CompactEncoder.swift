import Foundation

/// Encodes `Encodable` values in the compact flow-state format.
///
/// It streams into one byte array: a nested value is written where its key
/// is, and its container is closed when its `encode(to:)` returns. The few
/// `Encoder` calls that hand out a container to be filled later
/// (`nestedContainer`, `superEncoder`) cannot be streamed; they make
/// `encode` throw, and `FlowStateCodec` then writes JSON instead.
struct CompactEncoder {
    func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let writer = CompactWriter()
        writer.bytes = CompactFormat.magic
        writer.bytes.reserveCapacity(2048)
        try writer.encodeValue(value, codingPath: [])
        if let unsupported = writer.unsupported {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "compact flow state cannot stream \(unsupported)"))
        }
        return writer.bytes
    }
}

/// The output of one `CompactEncoder.encode`, shared by its containers.
final class CompactWriter {
    var bytes: [UInt8] = []
    /// Set when a caller asked for something the stream cannot express.
    var unsupported: String?

    func writeTag(_ tag: CompactFormat.Tag) { bytes.append(tag.rawValue) }

    func writeString(_ value: String) {
        writeTag(.string)
        bytes.appendText(value)
    }

    func writeSigned(_ value: Int64) {
        writeTag(.signed)
        bytes.appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    func writeUnsigned(_ value: UInt64) {
        writeTag(.unsigned)
        bytes.appendVarint(value)
    }

    func writeDouble(_ value: Double) {
        writeTag(.double)
        bytes.appendDouble(value)
    }

    func writeBool(_ value: Bool) { writeTag(value ? .true : .false) }

    /// Writes a container's tag and room for its length; returns where the length goes.
    func openContainer(_ tag: CompactFormat.Tag) -> Int {
        writeTag(tag)
        bytes.append(contentsOf: [0, 0, 0, 0])
        return bytes.count - 4
    }

    /// Ends the container whose length goes at `lengthAt`, and writes that
    /// length (of its content and end tag), so a reader steps over it at once.
    func close(_ lengthAt: Int) {
        writeTag(.end)
        let length = UInt32(truncatingIfNeeded: bytes.count - lengthAt - 4)
        for index in 0..<4 { bytes[lengthAt + index] = UInt8(truncatingIfNeeded: length >> (8 * index)) }
    }

    /// One value: `Data` and `Date` get their own tags (JSON would make
    /// them base64 and a number); anything else encodes itself.
    func encodeValue<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws {
        if let data = value as? Data {
            writeTag(.bytes)
            bytes.appendVarint(UInt64(data.count))
            bytes.append(contentsOf: data)
            return
        }
        if let date = value as? Date {
            writeTag(.date)
            bytes.appendDouble(date.timeIntervalSince1970)
            return
        }
        let encoder = CompactValueEncoder(writer: self, codingPath: codingPath)
        try value.encode(to: encoder)
        switch encoder.opened {
        case .keyed, .unkeyed: close(encoder.lengthAt)
        case .single: break
        case nil:
            // Encoded nothing: an empty object, as JSON writes `{}`.
            close(openContainer(.keyed))
        }
    }
}

/// The `Encoder` for one value.
final class CompactValueEncoder: Encoder {
    enum Opened { case keyed, unkeyed, single }

    let writer: CompactWriter
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// Which container this value opened; a second request must match it.
    var opened: Opened?
    /// Where the opened container's length goes.
    var lengthAt = 0

    init(writer: CompactWriter, codingPath: [any CodingKey]) {
        self.writer = writer
        self.codingPath = codingPath
    }

    private func open(_ kind: Opened) {
        guard let opened else {
            self.opened = kind
            switch kind {
            case .keyed: lengthAt = writer.openContainer(.keyed)
            case .unkeyed: lengthAt = writer.openContainer(.unkeyed)
            case .single: break
            }
            return
        }
        if opened != kind || kind == .single { writer.unsupported = "two containers for one value" }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        open(.keyed)
        return KeyedEncodingContainer(CompactKeyedEncoding<Key>(writer: writer, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        open(.unkeyed)
        return CompactUnkeyedEncoding(writer: writer, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        open(.single)
        return CompactSingleValueEncoding(writer: writer, codingPath: codingPath)
    }
}

struct CompactKeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: CompactWriter
    let codingPath: [any CodingKey]

    private func key(_ key: Key) { writer.writeString(key.stringValue) }

    mutating func encodeNil(forKey key: Key) throws { keyed(key) { $0.writeTag(.null) } }
    mutating func encode(_ value: Bool, forKey key: Key) throws { keyed(key) { $0.writeBool(value) } }
    mutating func encode(_ value: String, forKey key: Key) throws { keyed(key) { $0.writeString(value) } }
    mutating func encode(_ value: Double, forKey key: Key) throws { keyed(key) { $0.writeDouble(value) } }
    mutating func encode(_ value: Float, forKey key: Key) throws { keyed(key) { $0.writeDouble(Double(value)) } }
    mutating func encode(_ value: Int, forKey key: Key) throws { keyed(key) { $0.writeSigned(Int64(value)) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { keyed(key) { $0.writeSigned(value) } }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { keyed(key) { $0.writeUnsigned(value) } }

    private func keyed(_ key: Key, _ write: (CompactWriter) -> Void) {
        self.key(key)
        write(writer)
    }

    mutating func encode(_ value: Int8, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encode(Int64(value), forKey: key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encode(UInt64(value), forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encode(UInt64(value), forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encode(UInt64(value), forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encode(UInt64(value), forKey: key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        self.key(key)
        try writer.encodeValue(value, codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        writer.unsupported = "a nested keyed container"
        return KeyedEncodingContainer(CompactKeyedEncoding<NestedKey>(writer: CompactWriter(), codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        writer.unsupported = "a nested unkeyed container"
        return CompactUnkeyedEncoding(writer: CompactWriter(), codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        writer.unsupported = "a super encoder"
        return CompactValueEncoder(writer: CompactWriter(), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        writer.unsupported = "a super encoder"
        return CompactValueEncoder(writer: CompactWriter(), codingPath: codingPath + [key])
    }
}

struct CompactUnkeyedEncoding: UnkeyedEncodingContainer {
    let writer: CompactWriter
    let codingPath: [any CodingKey]
    private(set) var count = 0

    init(writer: CompactWriter, codingPath: [any CodingKey]) {
        self.writer = writer
        self.codingPath = codingPath
    }

    mutating func encodeNil() throws { counted { $0.writeTag(.null) } }
    mutating func encode(_ value: Bool) throws { counted { $0.writeBool(value) } }
    mutating func encode(_ value: String) throws { counted { $0.writeString(value) } }
    mutating func encode(_ value: Double) throws { counted { $0.writeDouble(value) } }
    mutating func encode(_ value: Int) throws { counted { $0.writeSigned(Int64(value)) } }
    mutating func encode(_ value: Int64) throws { counted { $0.writeSigned(value) } }
    mutating func encode(_ value: UInt64) throws { counted { $0.writeUnsigned(value) } }

    private mutating func counted(_ write: (CompactWriter) -> Void) {
        write(writer)
        count += 1
    }

    mutating func encode(_ value: Float) throws { try encode(Double(value)) }
    mutating func encode(_ value: Int8) throws { try encode(Int64(value)) }
    mutating func encode(_ value: Int16) throws { try encode(Int64(value)) }
    mutating func encode(_ value: Int32) throws { try encode(Int64(value)) }
    mutating func encode(_ value: UInt) throws { try encode(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { try encode(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { try encode(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { try encode(UInt64(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try writer.encodeValue(value, codingPath: codingPath + [CompactIndexKey(count)])
        count += 1
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        writer.unsupported = "a nested keyed container"
        return KeyedEncodingContainer(CompactKeyedEncoding<NestedKey>(writer: CompactWriter(), codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        writer.unsupported = "a nested unkeyed container"
        return CompactUnkeyedEncoding(writer: CompactWriter(), codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        writer.unsupported = "a super encoder"
        return CompactValueEncoder(writer: CompactWriter(), codingPath: codingPath)
    }
}

struct CompactSingleValueEncoding: SingleValueEncodingContainer {
    let writer: CompactWriter
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { writer.writeTag(.null) }
    mutating func encode(_ value: Bool) throws { writer.writeBool(value) }
    mutating func encode(_ value: String) throws { writer.writeString(value) }
    mutating func encode(_ value: Double) throws { writer.writeDouble(value) }
    mutating func encode(_ value: Float) throws { writer.writeDouble(Double(value)) }
    mutating func encode(_ value: Int) throws { writer.writeSigned(Int64(value)) }
    mutating func encode(_ value: Int8) throws { writer.writeSigned(Int64(value)) }
    mutating func encode(_ value: Int16) throws { writer.writeSigned(Int64(value)) }
    mutating func encode(_ value: Int32) throws { writer.writeSigned(Int64(value)) }
    mutating func encode(_ value: Int64) throws { writer.writeSigned(value) }
    mutating func encode(_ value: UInt) throws { writer.writeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { writer.writeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { writer.writeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { writer.writeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { writer.writeUnsigned(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try writer.encodeValue(value, codingPath: codingPath) }
}

/// The coding-path key of an array element.
struct CompactIndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String

    init(_ index: Int) {
        intValue = index
        stringValue = "\(index)"
    }

    init?(stringValue: String) {
        guard let index = Int(stringValue) else { return nil }
        self.init(index)
    }

    init?(intValue: Int) { self.init(intValue) }
}
