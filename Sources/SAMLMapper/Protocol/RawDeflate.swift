import Foundation

/// Raw DEFLATE (RFC 1951) as the SAML HTTP-Redirect binding uses it.
///
/// None of the project's dependencies expose zlib, so this is a small,
/// bounded implementation: inflation stops as soon as output would exceed the
/// caller's limit, which is what keeps a "zip bomb" from costing memory.
public enum RawDeflate {
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case tooLarge(limit: Int)
        case corrupt

        public var description: String {
            switch self {
            case .tooLarge(let limit): return "DEFLATE data refused: inflates to more than \(limit) bytes"
            case .corrupt: return "DEFLATE data refused: not valid raw DEFLATE"
            }
        }
    }

    // MARK: Inflate

    private struct BitReader {
        let bytes: [UInt8]
        var position = 0
        var bitBuffer: UInt32 = 0
        var bitCount = 0

        mutating func bits(_ n: Int) throws -> Int {
            while bitCount < n {
                guard position < bytes.count else { throw Failure.corrupt }
                bitBuffer |= UInt32(bytes[position]) << UInt32(bitCount)
                position += 1
                bitCount += 8
            }
            let value = Int(bitBuffer & ((1 << UInt32(n)) - 1))
            bitBuffer >>= UInt32(n)
            bitCount -= n
            return value
        }

        mutating func alignToByte() {
            bitBuffer = 0
            bitCount = 0
        }
    }

    private struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int]

        init(lengths: [Int]) throws {
            symbols = [Int](repeating: 0, count: lengths.count)
            for l in lengths { counts[l] += 1 }
            var offsets = [Int](repeating: 0, count: 16)
            for i in 1..<15 { offsets[i + 1] = offsets[i] + counts[i] }
            var left = 1
            for i in 1..<16 {
                left <<= 1
                left -= counts[i]
                if left < 0 { throw Failure.corrupt }
            }
            for (symbol, l) in lengths.enumerated() where l != 0 {
                symbols[offsets[l]] = symbol
                offsets[l] += 1
            }
        }

        func decode(_ reader: inout BitReader) throws -> Int {
            var code = 0, first = 0, index = 0
            for len in 1..<16 {
                code |= try reader.bits(1)
                let count = counts[len]
                if code - count < first { return symbols[index + (code - first)] }
                index += count
                first += count
                first <<= 1
                code <<= 1
            }
            throw Failure.corrupt
        }
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// Inflates raw DEFLATE data, refusing output larger than `limit` bytes.
    public static func inflate(_ data: Data, limit: Int) throws -> Data {
        var reader = BitReader(bytes: Array(data))
        var out: [UInt8] = []
        var last = 0
        repeat {
            last = try reader.bits(1)
            let type = try reader.bits(2)
            switch type {
            case 0:
                reader.alignToByte()
                guard reader.position + 4 <= reader.bytes.count else { throw Failure.corrupt }
                let len = Int(reader.bytes[reader.position]) | Int(reader.bytes[reader.position + 1]) << 8
                let nlen = Int(reader.bytes[reader.position + 2]) | Int(reader.bytes[reader.position + 3]) << 8
                guard len == (~nlen & 0xFFFF) else { throw Failure.corrupt }
                reader.position += 4
                guard reader.position + len <= reader.bytes.count else { throw Failure.corrupt }
                guard out.count + len <= limit else { throw Failure.tooLarge(limit: limit) }
                out += reader.bytes[reader.position..<(reader.position + len)]
                reader.position += len
            case 1:
                var lengths = [Int](repeating: 8, count: 288)
                for i in 144..<256 { lengths[i] = 9 }
                for i in 256..<280 { lengths[i] = 7 }
                try inflateBlock(&reader, &out, try Huffman(lengths: lengths), try Huffman(lengths: [Int](repeating: 5, count: 30)), limit)
            case 2:
                let (lit, dist) = try dynamicTables(&reader)
                try inflateBlock(&reader, &out, lit, dist, limit)
            default:
                throw Failure.corrupt
            }
        } while last == 0
        return Data(out)
    }

    private static func dynamicTables(_ reader: inout BitReader) throws -> (Huffman, Huffman) {
        let nlen = try reader.bits(5) + 257
        let ndist = try reader.bits(5) + 1
        let ncode = try reader.bits(4) + 4
        guard nlen <= 286, ndist <= 30 else { throw Failure.corrupt }
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengths = [Int](repeating: 0, count: 19)
        for i in 0..<ncode { codeLengths[order[i]] = try reader.bits(3) }
        let codeTable = try Huffman(lengths: codeLengths)
        var lengths: [Int] = []
        while lengths.count < nlen + ndist {
            let symbol = try codeTable.decode(&reader)
            switch symbol {
            case 0..<16: lengths.append(symbol)
            case 16:
                guard let prev = lengths.last else { throw Failure.corrupt }
                lengths += [Int](repeating: prev, count: 3 + (try reader.bits(2)))
            case 17: lengths += [Int](repeating: 0, count: 3 + (try reader.bits(3)))
            default: lengths += [Int](repeating: 0, count: 11 + (try reader.bits(7)))
            }
        }
        guard lengths.count == nlen + ndist, lengths[256] != 0 else { throw Failure.corrupt }
        return (try Huffman(lengths: Array(lengths[0..<nlen])), try Huffman(lengths: Array(lengths[nlen...])))
    }

    private static func inflateBlock(_ reader: inout BitReader, _ out: inout [UInt8], _ lit: Huffman, _ dist: Huffman, _ limit: Int) throws {
        while true {
            let symbol = try lit.decode(&reader)
            if symbol < 256 {
                guard out.count < limit else { throw Failure.tooLarge(limit: limit) }
                out.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let li = symbol - 257
                guard li < 29 else { throw Failure.corrupt }
                let length = lengthBase[li] + (try reader.bits(lengthExtra[li]))
                let di = try dist.decode(&reader)
                guard di < 30 else { throw Failure.corrupt }
                let distance = distBase[di] + (try reader.bits(distExtra[di]))
                guard distance <= out.count else { throw Failure.corrupt }
                guard out.count + length <= limit else { throw Failure.tooLarge(limit: limit) }
                let start = out.count - distance
                for i in 0..<length { out.append(out[start + i]) }
            }
        }
    }

    // MARK: Deflate

    /// Compresses with fixed Huffman codes and a simple LZ77 match search:
    /// not zlib's ratio, but every inflater reads it.
    public static func deflate(_ data: Data) -> Data {
        let input = Array(data)
        var writer = BitWriter()
        writer.write(1, 1)  // final block
        writer.write(1, 2)  // fixed Huffman
        var head = [Int](repeating: -1, count: 1 << 15)
        var prev = [Int](repeating: -1, count: input.count)
        func hash(_ i: Int) -> Int { (Int(input[i]) << 10 ^ Int(input[i + 1]) << 5 ^ Int(input[i + 2])) & 0x7FFF }
        var i = 0
        while i < input.count {
            var bestLength = 0, bestDistance = 0
            if i + 2 < input.count {
                let h = hash(i)
                var candidate = head[h]
                var chain = 32
                while candidate >= 0, i - candidate <= 32768, chain > 0 {
                    var l = 0
                    while l < 258, i + l < input.count, input[candidate + l] == input[i + l] { l += 1 }
                    if l > bestLength { bestLength = l; bestDistance = i - candidate }
                    if l == 258 { break }
                    candidate = prev[candidate]
                    chain -= 1
                }
                prev[i] = head[h]
                head[h] = i
            }
            if bestLength >= 3 {
                writer.writeLength(bestLength)
                writer.writeDistance(bestDistance)
                for j in (i + 1)..<(i + bestLength) where j + 2 < input.count {
                    let h = hash(j)
                    prev[j] = head[h]
                    head[h] = j
                }
                i += bestLength
            } else {
                writer.writeLiteral(Int(input[i]))
                i += 1
            }
        }
        writer.writeLiteral(256)
        return writer.finish()
    }

    private struct BitWriter {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var count = 0

        mutating func write(_ value: Int, _ bits: Int) {
            buffer |= UInt32(value) << UInt32(count)
            count += bits
            while count >= 8 {
                out.append(UInt8(buffer & 0xFF))
                buffer >>= 8
                count -= 8
            }
        }

        /// Huffman codes are written most-significant bit first.
        mutating func writeCode(_ code: Int, _ bits: Int) {
            var reversed = 0
            for b in 0..<bits where code & (1 << b) != 0 { reversed |= 1 << (bits - 1 - b) }
            write(reversed, bits)
        }

        mutating func writeLiteral(_ symbol: Int) {
            switch symbol {
            case 0...143: writeCode(0x30 + symbol, 8)
            case 144...255: writeCode(0x190 + symbol - 144, 9)
            case 256...279: writeCode(symbol - 256, 7)
            default: writeCode(0xC0 + symbol - 280, 8)
            }
        }

        mutating func writeLength(_ length: Int) {
            var index = RawDeflate.lengthBase.count - 1
            while RawDeflate.lengthBase[index] > length { index -= 1 }
            writeLiteral(257 + index)
            write(length - RawDeflate.lengthBase[index], RawDeflate.lengthExtra[index])
        }

        mutating func writeDistance(_ distance: Int) {
            var index = RawDeflate.distBase.count - 1
            while RawDeflate.distBase[index] > distance { index -= 1 }
            writeCode(index, 5)
            write(distance - RawDeflate.distBase[index], RawDeflate.distExtra[index])
        }

        mutating func finish() -> Data {
            if count > 0 { out.append(UInt8(buffer & 0xFF)) }
            return Data(out)
        }
    }
}
