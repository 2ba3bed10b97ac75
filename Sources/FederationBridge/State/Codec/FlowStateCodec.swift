import Foundation

/// How flow state is turned into bytes before the vault seals it.
///
/// Written in the compact format: JSON's text escaping and number parsing
/// were the largest share of a step's own work after page rendering, and a
/// step reads the flow and its session pointer and writes the flow back.
/// Reading still takes JSON, which stores written before this format hold,
/// so flows in progress survive an upgrade; a value the compact stream
/// cannot express is written as JSON too.
public enum FlowStateCodec {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        do {
            return Data(try CompactEncoder().encode(value))
        } catch is EncodingError {
            return try json.encode(value)
        }
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        if data.first == UInt8(ascii: "{") || data.first == UInt8(ascii: "[") {
            return try jsonDecoder.decode(type, from: data)
        }
        return try CompactDecoder().decode(type, from: Array(data))
    }

    private static var json: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }

    private static var jsonDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }
}
