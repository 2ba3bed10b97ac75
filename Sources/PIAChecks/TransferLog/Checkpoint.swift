import Foundation

/// A C2SP `tlog-checkpoint` body: origin, tree size, root hash.
///
/// ```
/// <origin>\n<size>\n<base64 root hash>\n
/// ```
public struct Checkpoint: Sendable, Hashable {
    public var origin: String
    public var size: Int
    public var rootHash: Data

    public init(origin: String, size: Int, rootHash: Data) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
    }

    /// The exact bytes that are signed.
    public var body: String {
        "\(origin)\n\(size)\n\(rootHash.base64EncodedString())\n"
    }

    /// Parses a checkpoint body per C2SP tlog-checkpoint: origin, size with
    /// no leading zeroes, base64 root hash, then optional extension lines,
    /// each of which must be non-empty.
    public init(body: String) throws {
        guard body.hasSuffix("\n") else { throw TransferLogError.badCheckpoint("note text must end with a newline") }
        let lines = body.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else {
            throw TransferLogError.badCheckpoint("expected origin, size and root hash lines")
        }
        guard !lines[0].isEmpty else { throw TransferLogError.badCheckpoint("empty origin") }
        guard let size = Int(lines[1]), size >= 0, String(size) == lines[1] else {
            throw TransferLogError.badCheckpoint("tree size is not a decimal number")
        }
        guard let root = Data(base64Encoded: lines[2]), root.count == 32, root.base64EncodedString() == lines[2] else {
            throw TransferLogError.badCheckpoint("root hash is not base64 of 32 bytes")
        }
        guard !lines.dropFirst(3).contains(where: \.isEmpty) else {
            throw TransferLogError.badCheckpoint("empty extension line")
        }
        self.init(origin: lines[0], size: size, rootHash: root)
    }
}

/// A checkpoint in the C2SP `signed-note` format, with its signature lines.
public struct SignedNote: Sendable, Hashable {
    /// The signed text, ending in a newline.
    public var body: String
    public var signatures: [Signature]

    public struct Signature: Sendable, Hashable {
        public var name: String
        public var keyID: Data
        public var signature: Data
    }

    /// The em dash (U+2014) and space that start a signature line.
    static let signaturePrefix = "\u{2014} "

    public init(body: String, signatures: [Signature]) {
        self.body = body
        self.signatures = signatures
    }

    public var text: String {
        body + "\n"
            + signatures.map {
                "\(Self.signaturePrefix)\($0.name) \(($0.keyID + $0.signature).base64EncodedString())\n"
            }.joined()
    }

    /// Most signature lines a note may carry. C2SP signed-note asks
    /// verifiers to cap the count and to accept at least 16.
    public static let maxSignatures = 100

    /// Parses a C2SP signed note: UTF-8 text without control characters
    /// other than newline, the text, a blank line, then one or more
    /// signature lines `— <name> base64(key ID ‖ signature)`.
    public init(text: String) throws {
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) else {
            throw TransferLogError.badCheckpoint("control character in the note")
        }
        guard let split = text.range(of: "\n\n", options: .backwards) else {
            throw TransferLogError.badCheckpoint("no blank line before the signatures")
        }
        let body = String(text[text.startIndex..<text.index(after: split.lowerBound)])
        let signatureBlock = text[split.upperBound...]
        guard signatureBlock.hasSuffix("\n") else { throw TransferLogError.badCheckpoint("signature block must end with a newline") }
        let lines = signatureBlock.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count <= Self.maxSignatures else {
            throw TransferLogError.badCheckpoint("more than \(Self.maxSignatures) signature lines")
        }
        let signatures = try lines.map(Self.signature(line:))
        guard !signatures.isEmpty else { throw TransferLogError.badCheckpoint("no signature") }
        self.init(body: body, signatures: signatures)
    }

    /// One signature line without its newline.
    static func signature(line: Substring) throws -> Signature {
        guard line.hasPrefix(Self.signaturePrefix) else {
            throw TransferLogError.badCheckpoint("signature line does not start with an em dash")
        }
        let fields = line.dropFirst(Self.signaturePrefix.count).split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 2, !fields[0].isEmpty, !fields[0].contains("+"),
            !fields[0].unicodeScalars.contains(where: \.properties.isWhitespace),
            let blob = Data(base64Encoded: String(fields[1])), blob.count > 4
        else {
            throw TransferLogError.badCheckpoint("malformed signature line")
        }
        return Signature(name: String(fields[0]), keyID: blob.prefix(4), signature: Data(blob.dropFirst(4)))
    }

    /// Signature lines whose name and key ID match (C2SP: those must verify;
    /// all others are ignored).
    public func signatures(name: String, keyID: Data) -> [Signature] {
        signatures.filter { $0.name == name && $0.keyID == keyID }
    }
}
