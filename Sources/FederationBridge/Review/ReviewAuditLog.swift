import Crypto
import Foundation
import Logging
import PIAChecks

/// The reviewers' own audit trail: who looked at what, and when.
///
/// It is kept apart from the transfer log on purpose: the transfer log records
/// cross-boundary transfers and its Merkle tree is what reviewers verify, so
/// reviewer reads must not change it. Each action is one JSON line appended to
/// a file and also a swift-log line at `notice`. Every line carries the
/// SHA-256 of the previous line, so deleting or editing a line breaks the
/// chain from there on ([`ReviewAuditLog.verifyChain`]).
///
/// No personal data is written: the reviewer's account name, the action, the
/// entry sequence number or the filter (recipient entity IDs, purpose IDs and
/// check names, which are policy identifiers).
public actor ReviewAuditLog {
    /// One line of the trail.
    public struct Record: Codable, Sendable, Equatable {
        public let time: Date
        public let reviewer: String
        public let action: String
        public let target: String
        /// Hex SHA-256 of the previous line as written, or 64 zeros for the first.
        public let previous: String
    }

    public static let genesis = String(repeating: "0", count: 64)

    private let fileURL: URL?
    private let logger: Logger
    private var previousDigest: String
    private var handle: FileHandle?

    /// - Parameters:
    ///   - fileURL: the append-only file; `nil` keeps the trail in swift-log only.
    ///   - logger: where each action is also logged.
    public init(fileURL: URL?, logger: Logger = Logger(label: "FederationBridge.review.audit")) throws(ReviewConfigurationError) {
        self.fileURL = fileURL
        self.logger = logger
        self.previousDigest = Self.genesis
        guard let fileURL else { return }
        let path = fileURL.path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw ReviewConfigurationError("cannot create the reviewer audit file at \(path); check the folder exists and is writable")
            }
        }
        do {
            let existing = try Data(contentsOf: fileURL)
            if let last = existing.split(separator: UInt8(ascii: "\n")).last {
                previousDigest = Self.digest(Data(last))
            }
            let handle = try FileHandle(forWritingTo: fileURL)
            try handle.seekToEnd()
            self.handle = handle
        } catch {
            throw ReviewConfigurationError("cannot open the reviewer audit file at \(path) for appending: \(error)")
        }
    }

    /// Records one reviewer action. Pages are only served once this returns,
    /// so an action that could not be recorded is not performed.
    public func record(reviewer: Reviewer, action: String, target: String, at time: Date = Date()) throws -> Record {
        let record = Record(time: time, reviewer: reviewer.username, action: action, target: target, previous: previousDigest)
        logger.notice(
            "reviewer action",
            metadata: ["reviewer": "\(reviewer.username)", "action": "\(action)", "target": "\(target)"])
        guard let handle else { return record }
        var line = try Self.encoder.encode(record)
        let digest = Self.digest(line)
        line.append(UInt8(ascii: "\n"))
        do {
            try handle.write(contentsOf: line)
            try handle.synchronize()
        } catch {
            throw ReviewAuditError.cannotAppend(path: fileURL?.path ?? "", reason: "\(error)")
        }
        previousDigest = digest
        return record
    }

    /// Records a refused sign-in. The user name typed is not written: it may
    /// be a mistyped password.
    public func recordRefusedSignIn() {
        logger.warning("reviewer sign-in refused", metadata: ["action": "sign-in-refused"])
    }

    /// Reads a trail back and checks its hash chain. Returns the records, or
    /// throws naming the first line that does not follow from the one before.
    public static func verifyChain(at url: URL) throws -> [Record] {
        let data = try Data(contentsOf: url)
        var previous = genesis
        var records: [Record] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            let record = try JSONDecoder.review.decode(Record.self, from: Data(line))
            guard record.previous == previous else {
                throw ReviewAuditError.brokenChain(line: index + 1)
            }
            previous = digest(Data(line))
            records.append(record)
        }
        return records
    }

    static func digest(_ data: Data) -> String {
        SHA256.hash(data: data).hex
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

/// Why a reviewer action could not be recorded or a trail does not verify.
public enum ReviewAuditError: Error, CustomStringConvertible, Sendable {
    case cannotAppend(path: String, reason: String)
    case brokenChain(line: Int)

    public var description: String {
        switch self {
        case .cannotAppend(let path, let reason):
            "cannot append to the reviewer audit file \(path): \(reason); reviewer pages stay closed until it is writable"
        case .brokenChain(let line):
            "reviewer audit trail altered: line \(line) does not carry the digest of the line before it"
        }
    }
}

extension JSONDecoder {
    static let review: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
