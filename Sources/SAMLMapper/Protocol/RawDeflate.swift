import CZlib
import Foundation

/// Raw DEFLATE (RFC 1951) as the SAML HTTP-Redirect binding uses it, through zlib.
///
/// Inflation works in bounded chunks and stops as soon as the output would
/// pass the caller's limit, so a "zip bomb" costs no more than `limit` bytes.
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

    private static let chunkSize = 16 * 1024

    /// Inflates raw DEFLATE data, refusing output larger than `limit` bytes.
    public static func inflate(_ data: Data, limit: Int) throws -> Data {
        var stream = z_stream()
        guard fb_inflate_init_raw(&stream) == Z_OK else { throw Failure.corrupt }
        defer { inflateEnd(&stream) }
        var input = [UInt8](data)
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        return try input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { chunkBuffer -> Int32 in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = uInt(chunkBuffer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunkSize - Int(stream.avail_out)
                guard output.count + produced <= limit else { throw Failure.tooLarge(limit: limit) }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    return output
                case Z_OK:
                    // No progress with input exhausted means the stream is truncated.
                    if produced == 0 && stream.avail_in == 0 { throw Failure.corrupt }
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw Failure.corrupt
                default:
                    throw Failure.corrupt
                }
            }
        }
    }

    /// Compresses with zlib's best compression, raw (no zlib or gzip header).
    public static func deflate(_ data: Data) -> Data {
        var stream = z_stream()
        guard fb_deflate_init_raw(&stream) == Z_OK else { return Data() }
        defer { deflateEnd(&stream) }
        var input = [UInt8](data)
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer -> Int in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputBuffer.count)
                // deflateBound guarantees one Z_FINISH call completes.
                guard CZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END else { return 0 }
                return outputBuffer.count - Int(stream.avail_out)
            }
        }
        return Data(output[0..<written])
    }
}
