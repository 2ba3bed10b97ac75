import Foundation

/// PEM (RFC 7468) blocks: the one decoder and encoder the bridge, its
/// command line and the sandboxes share.
public enum PEMText {
    /// The DER bytes of the first PEM block labelled `label`.
    public static func der(_ pem: String, label: String = "CERTIFICATE") -> Data? {
        guard let begin = pem.range(of: "-----BEGIN \(label)-----"),
            let end = pem.range(of: "-----END \(label)-----", range: begin.upperBound..<pem.endIndex)
        else { return nil }
        let body = pem[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body))
    }

    /// The DER bytes of every PEM block labelled `label`, in order (a certificate bundle).
    public static func ders(_ pem: String, label: String = "CERTIFICATE") -> [Data] {
        var blocks: [Data] = []
        var rest = pem[...]
        while let begin = rest.range(of: "-----BEGIN \(label)-----"),
            let end = rest.range(of: "-----END \(label)-----", range: begin.upperBound..<rest.endIndex)
        {
            if let der = Data(base64Encoded: String(rest[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace })) {
                blocks.append(der)
            }
            rest = rest[end.upperBound...]
        }
        return blocks
    }

    public static func encode(_ der: Data, label: String) -> String {
        "-----BEGIN \(label)-----\n" + der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            + "\n-----END \(label)-----\n"
    }
}
