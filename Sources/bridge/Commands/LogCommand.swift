import ArgumentParser
import FederationBridge
import Foundation
import PIAChecks

/// The reviewer's view of the transfer log: verify it, read it, prove it.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Read, verify and prove the transfer log.",
        subcommands: [
            LogVerifyCommand.self, LogShowCommand.self, LogSearchCommand.self, LogExportCommand.self,
            LogProveCommand.self, LogCheckProofCommand.self, LogConsistencyCommand.self,
            LogCheckpointCommand.self, LogKeygenCommand.self, LogRedactCommand.self, LogStressAppendCommand.self,
        ]
    )
}

/// Where the log is and which key speaks for it.
struct LogStoreOptions: ParsableArguments {
    @Option(
        help:
            "Store URL: sqlite:PATH or postgres://user@host:port/db?schema=NAME[&sslmode=verify-full&sslrootcert=CA.pem] (default: $FB_LOG_STORE or sqlite:var/transfer-log.sqlite)."
    )
    var store: String?

    @Option(name: .customLong("public-key"), help: "Tree-head verifier key (name+keyid+base64) or a file holding it.")
    var publicKey: String?

    @Option(
        name: .customLong("signing-key"),
        help: "File holding the tree-head signer key (PRIVATE+KEY+…); needed to append or to sign a tree head for a past size.")
    var signingKey: String?

    var storeURL: String {
        store ?? ProcessInfo.processInfo.environment["FB_LOG_STORE"] ?? "sqlite:var/transfer-log.sqlite"
    }

    func signer() throws -> TreeHeadSigner? {
        guard let signingKey else { return nil }
        return try TreeHeadSigner(signerKey: try String(contentsOfFile: signingKey, encoding: .utf8))
    }

    func verifier() throws -> TreeHeadVerifier {
        if let publicKey {
            let text =
                FileManager.default.fileExists(atPath: publicKey)
                ? try String(contentsOfFile: publicKey, encoding: .utf8) : publicKey
            return try TreeHeadVerifier(verifierKey: text)
        }
        if let signer = try signer() { return signer.verifier }
        throw ValidationError("give --public-key (the log's verifier key) or --signing-key")
    }

    /// Opens the log read-only unless a signing key was given.
    func openLog() async throws -> TransferLog {
        let store = try await TransferLogStores.open(url: storeURL)
        if let signer = try signer() {
            if publicKey != nil, try verifier() != signer.verifier {
                throw ValidationError("--public-key and --signing-key belong to different keys")
            }
            return TransferLog(store: store, signer: signer)
        }
        return TransferLog(store: store, verifier: try verifier())
    }
}

struct LogVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the entries appended since the last verified checkpoint against their signed tree heads; --full recomputes the whole tree.",
        discussion:
            "With --witness, also find the newest checkpoint cosigned by at least --require of the witnesses given (all by default); with --ask-witness, submit the newest checkpoint to each witness instead (or as well, with --require)."
    )

    @OptionGroup var options: LogStoreOptions
    @Flag(help: "Re-check every entry and every signed tree head, not only what was appended since the last verified checkpoint.")
    var full = false
    @Option(name: .customLong("witness"), help: "A witness key (name+keyid+base64) or a file holding it; repeat for each witness.")
    var witnessKeys: [String] = []
    @Option(help: "How many of the --witness keys must have cosigned (default: all of them).")
    var require: Int?
    @Option(
        name: .customLong("ask-witness"),
        help:
            "The URL of the witness whose key is the --witness at the same position: the newest checkpoint is submitted to it, and a refusal (rolled-back or forked log) fails verification."
    )
    var askWitness: [String] = []

    func run() async throws {
        let keys = try witnesses()
        let quorum = try witnessQuorum(keys)
        let log = try await options.openLog()
        let report: VerificationReport
        do {
            report = full ? try await log.verify(requiring: quorum) : try await log.verifyIncrementally(requiring: quorum)
        } catch let error as LogVerificationError {
            try? await log.store.close()
            FileHandle.standardError.write(Data("verification FAILED: \(error)\n".utf8))
            throw ExitCode(1)
        }
        print(report.summary)
        if !full, report.entriesChecked < report.entries {
            print("checked the \(report.entriesChecked) entries after the last verified checkpoint; --full re-checks all")
        }
        if report.redactedEntries > 0 { print("\(report.redactedEntries) entries redacted after retention (leaf hashes kept)") }
        if let witnessed = report.witnessed {
            let pending = report.entries - witnessed.size
            print(
                "checkpoint \(witnessed.size) cosigned by \(witnessed.witnesses.joined(separator: ", "))"
                    + (pending > 0 ? "; \(pending) newer entries not yet witnessed" : ""))
        }
        let refused = try await askWitnesses(log: log, keys: keys, report: report)
        try await log.store.close()
        if refused { throw ExitCode(1) }
    }

    /// Confronts each `--ask-witness` with the checkpoint just verified; true when one refuses.
    private func askWitnesses(log: TransferLog, keys: [CosignatureVerifier], report: VerificationReport) async throws -> Bool {
        guard !askWitness.isEmpty, let note = report.checkpoint else { return false }
        let head = StoredTreeHead(size: report.entries, note: note)
        var refused = false
        for (text, key) in zip(askWitness, keys) {
            guard let url = URL(string: text), url.host != nil else { throw ValidationError("--ask-witness \(text) is not a URL") }
            var size: Int?
            do {
                _ = try await WitnessClient(witness: .init(url: url, key: key)).cosign(head, log: log, witnessSize: &size)
                print("witness \(key.name) cosigns checkpoint \(head.size): consistent with what it has seen")
            } catch {
                FileHandle.standardError.write(Data("verification FAILED: witness \(key.name) refuses checkpoint \(head.size): \(error)\n".utf8))
                refused = true
            }
        }
        return refused
    }

    /// The witness keys given, in order.
    private func witnesses() throws -> [CosignatureVerifier] {
        guard askWitness.isEmpty || askWitness.count == witnessKeys.count else {
            throw ValidationError("give one --ask-witness URL per --witness key, in the same order")
        }
        guard !witnessKeys.isEmpty || (require == nil && askWitness.isEmpty) else {
            throw ValidationError("--require and --ask-witness need --witness keys")
        }
        return try witnessKeys.map { text in
            try CosignatureVerifier(
                verifierKey: FileManager.default.fileExists(atPath: text) ? try String(contentsOfFile: text, encoding: .utf8) : text)
        }
    }

    /// Stored cosignatures are required with --require, or by default when
    /// the witnesses are not asked directly.
    private func witnessQuorum(_ keys: [CosignatureVerifier]) throws -> WitnessQuorum? {
        guard !keys.isEmpty, require != nil || askWitness.isEmpty else { return nil }
        return try WitnessQuorum(witnesses: keys, required: require ?? keys.count)
    }
}

struct LogShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print one entry as stored.")

    @OptionGroup var options: LogStoreOptions
    @Argument(help: "Sequence number (zero-based leaf index).") var seq: Int

    func run() async throws {
        let log = try await options.openLog()
        let entry = try await log.entry(seq: seq)
        print("seq \(entry.seq)")
        print("leaf hash \(entry.leafHash.hex)")
        if let body = entry.body {
            print(String(decoding: body, as: UTF8.self))
        } else {
            print("(body redacted after retention)")
        }
        try await log.store.close()
    }
}

/// Filters shared by search and export.
struct LogFilterOptions: ParsableArguments {
    @Option(help: "Recipient entityID.") var recipient: String?
    @Option(help: "Purpose id.") var purpose: String?
    @Option(help: "transfer, refused or declined.") var decision: String?
    @Option(name: .customLong("failed-check"), help: "Only entries where this check failed.") var failedCheck: String?
    @Option(help: "From this time (RFC 3339), inclusive.") var from: String?
    @Option(help: "Until this time (RFC 3339), exclusive.") var until: String?

    func filter() throws -> LogFilter {
        func date(_ text: String?, _ name: String) throws -> Date? {
            guard let text else { return nil }
            guard let date = (try? Date.ISO8601FormatStyle().parse(text)) ?? CanonicalJSON.parseTimestamp(text) else {
                throw ValidationError("--\(name) must be an RFC 3339 time such as 2026-01-02T03:04:05Z")
            }
            return date
        }
        var decisionValue: TransferDecision?
        if let decision {
            guard let value = TransferDecision(rawValue: decision) else { throw ValidationError("--decision is transfer, refused or declined") }
            decisionValue = value
        }
        return LogFilter(
            recipient: recipient, purpose: purpose, decision: decisionValue, failedCheck: failedCheck,
            from: try date(from, "from"), until: try date(until, "until"))
    }
}

struct LogSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "List entries matching filters.")

    @OptionGroup var options: LogStoreOptions
    @OptionGroup var filters: LogFilterOptions
    @Option(help: "Skip this many matches.") var offset = 0
    @Option(help: "Show at most this many matches.") var limit = 100

    func run() async throws {
        let log = try await options.openLog()
        let found = try await log.entries(filter: try filters.filter(), page: Page(offset: offset, limit: limit))
        for item in found {
            guard let entry = item.entry else {
                print("\(item.seq)\t(redacted)")
                continue
            }
            let failed = entry.checks.filter { !$0.passed }.map(\.id).joined(separator: ",")
            print(
                [
                    String(item.seq), CanonicalJSON.timestamp(entry.time), entry.decision.rawValue, entry.recipient,
                    entry.purpose, failed.isEmpty ? "-" : failed,
                ].joined(separator: "\t"))
        }
        print("\(found.count) entries")
        try await log.store.close()
    }
}

struct LogExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export entries as JSON Lines or CSV.")

    enum Format: String, ExpressibleByArgument { case jsonl, csv }

    @OptionGroup var options: LogStoreOptions
    @OptionGroup var filters: LogFilterOptions
    @Option(help: "jsonl (exact stored bytes, one entry a line) or csv (the columns of /review/export.csv).") var format: Format = .jsonl

    func run() async throws {
        let log = try await options.openLog()
        switch format {
        case .jsonl:
            for item in try await log.entries(filter: try filters.filter(), page: .all) {
                print(item.exportLine)
            }
        case .csv:
            // The reviewer pages' CSV: same columns, formulas defused.
            FileHandle.standardOutput.write(Data(try await TransferLogCSV.render(log: log, filter: try filters.filter()).utf8))
        }
        try await log.store.close()
    }
}

struct LogProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print an inclusion proof (checkpoint, entry, audit path) a third party can check.")

    @OptionGroup var options: LogStoreOptions
    @Argument(help: "Sequence number of the entry.") var seq: Int

    func run() async throws {
        let log = try await options.openLog()
        let bundle = try await log.inclusionProof(seq: seq)
        _ = try bundle.verify(with: try options.verifier())
        print(try bundle.jsonText())
        try await log.store.close()
    }
}

struct LogCheckProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-proof",
        abstract: "Check a proof printed by 'prove' or 'consistency' with only the verifier key; needs no store.")

    @Option(name: .customLong("public-key"), help: "Verifier key (name+keyid+base64) or a file holding it.")
    var publicKey: String
    @Argument(help: "Proof file (JSON).") var file: String

    func run() async throws {
        let keyText =
            FileManager.default.fileExists(atPath: publicKey)
            ? try String(contentsOfFile: publicKey, encoding: .utf8) : publicKey
        let verifier = try TreeHeadVerifier(verifierKey: keyText)
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        do {
            if let bundle = try? JSONDecoder().decode(InclusionProofBundle.self, from: data) {
                let checkpoint = try bundle.verify(with: verifier)
                print("entry \(bundle.leafIndex) is included in \(checkpoint.origin) at size \(checkpoint.size), root \(checkpoint.rootHash.hex)")
            } else {
                let bundle = try JSONDecoder().decode(ConsistencyProofBundle.self, from: data)
                try bundle.verify(with: verifier)
                print("tree of size \(bundle.oldSize) is a prefix of the tree of size \(bundle.newSize)")
            }
        } catch {
            FileHandle.standardError.write(Data("proof FAILED: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct LogConsistencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consistency",
        abstract: "Print a consistency proof between two tree sizes with their signed tree heads.")

    @OptionGroup var options: LogStoreOptions
    @Argument(help: "Older tree size.") var old: Int
    @Argument(help: "Newer tree size.") var new: Int

    func run() async throws {
        let log = try await options.openLog()
        let bundle = try await log.consistencyProof(old: old, new: new)
        try bundle.verify(with: try options.verifier())
        print(try bundle.jsonText())
        try await log.store.close()
    }
}

struct LogCheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Print the latest signed tree head.")

    @OptionGroup var options: LogStoreOptions

    func run() async throws {
        let log = try await options.openLog()
        print(try await log.checkpoint(), terminator: "")
        try await log.store.close()
    }
}

struct LogKeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Create an Ed25519 tree-head key pair (PREFIX.key secret, PREFIX.pub for reviewers).")

    @Option(help: "Key name; also the checkpoint origin, e.g. bridge.example.hk/transfer-log.") var name: String
    @Option(help: "Output path prefix.") var out: String

    func run() async throws {
        let signer = try TreeHeadSigner.generate(name: name)
        guard let signerKey = signer.signerKey else { throw ValidationError("a generated key has its secret") }
        try writeKeyPair(secret: signerKey, public: signer.verifier.verifierKey, prefix: out)
    }
}

/// Writes `PREFIX.key` (owner-only) and `PREFIX.pub`, and prints the public key.
func writeKeyPair(secret: String, public publicKey: String, prefix: String) throws {
    guard
        FileManager.default.createFile(
            atPath: prefix + ".key", contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
    else {
        throw ValidationError("cannot write \(prefix).key")
    }
    try Data((publicKey + "\n").utf8).write(to: URL(fileURLWithPath: prefix + ".pub"))
    print(publicKey)
}

struct LogRedactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redact", abstract: "Redact entry bodies older than a number of days; leaf hashes stay.")

    @OptionGroup var options: LogStoreOptions
    @Option(name: .customLong("older-than-days")) var days: Int

    func run() async throws {
        let log = try await options.openLog()
        let count = try await log.redact(olderThan: Date().addingTimeInterval(-Double(days) * 86_400))
        print("redacted \(count) entries")
        try await log.store.close()
    }
}

/// Appends from many tasks and prints each sequence number once durable;
/// used by the crash test, which kills the process mid-run.
struct LogStressAppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stress-append", shouldDisplay: false)

    @OptionGroup var options: LogStoreOptions
    @Option var tasks = 16
    @Option var count = 100

    func run() async throws {
        guard let signer = try options.signer() else { throw ValidationError("--signing-key is required") }
        let log = TransferLog(store: try await TransferLogStores.open(url: options.storeURL), signer: signer)
        let count = self.count
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for i in 0..<count {
                        let stored = try await log.append(SampleEntries.entry(task: task, index: i))
                        FileHandle.standardOutput.write(Data("\(stored.seq)\n".utf8))
                    }
                }
            }
            try await group.waitForAll()
        }
        try await log.store.close()
    }
}

/// Entries with no personal data for stress runs and benchmarks.
enum SampleEntries {
    static func entry(task: Int, index: Int) -> TransferLogEntry {
        TransferLogEntry(
            time: Date(), recipient: "https://rp.gd.example.cn/saml", purpose: "gd-realname-account",
            legalBasis: "consent",
            attributes: [
                ReleasedAttribute(name: "uid", transforms: ["pairwise"]), ReleasedAttribute(name: "ageOver18", transforms: ["age-over-18"]),
            ],
            checks: [CheckResult(id: "load", passed: true, reason: "synthetic")],
            consentDigest: String(repeating: "0", count: 64), subjectDigest: String(repeating: "1", count: 64),
            assertionID: "_stress-\(task)-\(index)", decision: .transfer)
    }
}
