import CPKCS11

/// A Cryptoki attribute template built from Swift values; the pointers the
/// C structs need exist only inside `withAttributes`.
struct AttributeTemplate {
    private var entries: [(type: CK_ATTRIBUTE_TYPE, value: [UInt8])] = []

    mutating func append(_ type: some BinaryInteger, bytes: [UInt8]) {
        entries.append((CK_ATTRIBUTE_TYPE(type), bytes))
    }

    mutating func append(_ type: some BinaryInteger, ulong value: CK_ULONG) {
        append(type, bytes: withUnsafeBytes(of: value) { Array($0) })
    }

    mutating func append(_ type: some BinaryInteger, bool value: Bool) {
        append(type, bytes: [value ? UInt8(CK_TRUE) : UInt8(CK_FALSE)])
    }

    func withAttributes<T>(
        _ body: (UnsafeMutablePointer<CK_ATTRIBUTE>, CK_ULONG) throws(TokenError) -> T
    ) throws(TokenError) -> T {
        let total = entries.reduce(0) { $0 + $1.value.count }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 16)
        let attributes = UnsafeMutablePointer<CK_ATTRIBUTE>.allocate(capacity: max(entries.count, 1))
        defer {
            storage.deallocate()
            attributes.deallocate()
        }
        var offset = 0
        for (index, entry) in entries.enumerated() {
            let slice = UnsafeMutableRawBufferPointer(rebasing: storage[offset..<(offset + entry.value.count)])
            slice.copyBytes(from: entry.value)
            attributes[index] = CK_ATTRIBUTE(
                type: entry.type, pValue: entry.value.isEmpty ? nil : slice.baseAddress, ulValueLen: CK_ULONG(entry.value.count))
            offset += entry.value.count
        }
        return try body(attributes, CK_ULONG(entries.count))
    }
}
