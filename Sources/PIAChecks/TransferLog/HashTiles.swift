import Foundation

/// One hash tile of C2SP tlog-tiles (height 8): level `level` holds the
/// hashes of the tree's nodes at height `8 × level`, 256 to a tile, so tile
/// `index` covers node indices `256 × index ..< 256 × (index + 1)`.
public struct TileID: Sendable, Hashable, Comparable {
    public var level: Int
    public var index: Int

    public init(level: Int, index: Int) {
        self.level = level
        self.index = index
    }

    public static func < (a: TileID, b: TileID) -> Bool { (a.level, a.index) < (b.level, b.index) }
}

/// Hashes appended to one tile by one batch: they start at `offset`
/// (the number of hashes already stored in the tile).
struct TileAppend: Sendable, Hashable {
    var tile: TileID
    var offset: Int
    var hashes: Data
}

/// The tile layout: which tile holds which node, the tlog-tiles paths, and
/// RFC 9162 proofs built from a handful of tiles instead of every leaf.
public enum HashTiles {
    public static let height = 8
    /// Hashes in a full tile.
    public static let width = 1 << height
    /// Entries in a full entry bundle.
    public static let bundleSize = width

    // MARK: Reading

    /// A perfect subtree: `2^height` leaves from `index << height`.
    struct Node: Hashable {
        var height: Int
        var index: Int
    }

    /// Where a node's hash comes from: the 2^r hashes of one tile that it
    /// is built from (r = 0 when the tile stores the node itself).
    static func source(of node: Node) -> (tile: TileID, first: Int, count: Int) {
        let level = node.height / height
        let rise = node.height % height
        let firstAtLevel = node.index << rise
        return (TileID(level: level, index: firstAtLevel / width), firstAtLevel % width, 1 << rise)
    }

    /// The perfect subtrees that make up `range`, left to right. The root of
    /// the range is their hashes folded from the right (RFC 9162 MTH for the
    /// aligned ranges that proofs use).
    static func nodes(covering range: Range<Int>) -> [Node] {
        var nodes: [Node] = []
        var low = range.lowerBound
        while low < range.upperBound {
            var height = 0
            while low % (1 << (height + 1)) == 0, low + (1 << (height + 1)) <= range.upperBound {
                height += 1
            }
            nodes.append(Node(height: height, index: low >> height))
            low += 1 << height
        }
        return nodes
    }

    /// The tiles needed to hash every range.
    static func tiles(for ranges: [Range<Int>]) -> Set<TileID> {
        Set(ranges.flatMap { nodes(covering: $0).map { source(of: $0).tile } })
    }

    /// RFC 9162 PATH(m, D[n]) as the leaf ranges whose roots form the path.
    static func inclusionRanges(index: Int, size: Int) -> [Range<Int>] {
        func path(_ m: Int, _ low: Int, _ high: Int) -> [Range<Int>] {
            let n = high - low
            guard n > 1 else { return [] }
            let k = MerkleTree.largestPowerOfTwo(below: n)
            if m < k { return path(m, low, low + k) + [(low + k)..<high] }
            return path(m - k, low + k, high) + [low..<(low + k)]
        }
        return path(index, 0, size)
    }

    /// RFC 9162 PROOF(m, D[n]) as leaf ranges.
    static func consistencyRanges(oldSize: Int, newSize: Int) -> [Range<Int>] {
        guard oldSize > 0, oldSize < newSize else { return [] }
        func subproof(_ m: Int, _ low: Int, _ high: Int, _ complete: Bool) -> [Range<Int>] {
            let n = high - low
            if m == n { return complete ? [] : [low..<high] }
            let k = MerkleTree.largestPowerOfTwo(below: n)
            if m <= k { return subproof(m, low, low + k, complete) + [(low + k)..<high] }
            return subproof(m - k, low + k, high, false) + [low..<(low + k)]
        }
        return subproof(oldSize, 0, newSize, true)
    }

    /// The root of `range` from fetched tiles; throws when a tile is
    /// missing or shorter than the tree needs (a damaged store).
    static func hash(of range: Range<Int>, tiles: [TileID: Data]) throws -> Data {
        guard !range.isEmpty else { return MerkleTree.emptyRoot }
        var hashes = try nodes(covering: range).map { try hash(of: $0, tiles: tiles) }
        var result = hashes.removeLast()
        for left in hashes.reversed() {
            result = MerkleTree.nodeHash(left, result)
        }
        return result
    }

    private static func hash(of node: Node, tiles: [TileID: Data]) throws -> Data {
        let (tile, first, count) = source(of: node)
        guard let data = tiles[tile], data.count >= (first + count) * 32 else {
            throw TransferLogError.corrupt("hash tile \(path(tile, width: nil)) is missing or too short; run verify --full")
        }
        var level = (0..<count).map { i in
            data.subdata(in: (data.startIndex + (first + i) * 32)..<(data.startIndex + (first + i + 1) * 32))
        }
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { MerkleTree.nodeHash(level[$0], level[$0 + 1]) }
        }
        return level[0]
    }

    // MARK: Paths (C2SP tlog-tiles)

    /// `tile/<L>/<N>[.p/<W>]`, or `tile/entries/<N>[.p/<W>]` when `level` is nil.
    public static func path(level: Int?, index: Int, width: Int?) -> String {
        let partial = width.map { $0 < Self.width ? ".p/\($0)" : "" } ?? ""
        return "tile/\(level.map(String.init) ?? "entries")/\(encode(index: index))\(partial)"
    }

    static func path(_ tile: TileID, width: Int?) -> String { path(level: tile.level, index: tile.index, width: width) }

    /// Index 1234067 is `x001/x234/067`: three-digit groups, all but the last prefixed with `x`.
    static func encode(index: Int) -> String {
        var groups: [String] = []
        var rest = index
        repeat {
            groups.insert(String(format: "%03d", rest % 1000), at: 0)
            rest /= 1000
        } while rest > 0
        return groups.enumerated().map { $0.offset < groups.count - 1 ? "x" + $0.element : $0.element }.joined(separator: "/")
    }

    /// A parsed request path (the part after `tile/`).
    public struct Request: Sendable, Hashable {
        /// `nil` for an entry bundle.
        public var level: Int?
        public var index: Int
        /// `nil` for a full tile.
        public var width: Int?
    }

    /// Parses `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]` strictly: no
    /// leading zeros, groups of exactly three digits, 1 ≤ W ≤ 255.
    public static func parse(_ components: [Substring]) -> Request? {
        guard components.count >= 2 else { return nil }
        var parts = Array(components.dropFirst())
        var width: Int?
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".p") {
            guard let w = decimal(parts[parts.count - 1]), w >= 1, w < Self.width else { return nil }
            width = w
            parts.removeLast()
            parts[parts.count - 1] = parts[parts.count - 1].dropLast(2)
        }
        guard !parts.isEmpty, parts.count <= 7 else { return nil }
        var index = 0
        for (i, part) in parts.enumerated() {
            let digits = i < parts.count - 1 ? (part.hasPrefix("x") ? part.dropFirst() : "") : part
            guard digits.count == 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else { return nil }
            index = index * 1000 + value
        }
        guard encode(index: index) == parts.joined(separator: "/") else { return nil }
        let level: Int?
        if components[0] == "entries" {
            level = nil
        } else {
            guard let l = decimal(components[0]), l <= 63 else { return nil }
            level = l
        }
        return Request(level: level, index: index, width: width)
    }

    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 3, text.allSatisfy({ $0.isASCII && $0.isNumber }),
            text == "0" || !text.hasPrefix("0")
        else { return nil }
        return Int(text)
    }

    /// An entry bundle: each entry as a big-endian 16-bit length and its bytes.
    public static func bundle(_ bodies: [Data]) throws -> Data {
        var data = Data()
        for body in bodies {
            guard body.count <= Int(UInt16.max) else { throw TransferLogError.corrupt("entry longer than an entry bundle allows") }
            data.append(UInt8(body.count >> 8))
            data.append(UInt8(body.count & 0xFF))
            data.append(body)
        }
        return data
    }
}
