import Foundation
import PIAChecks

/// Reads the transfer log for the reviewer pages and turns what it returns
/// into what the pages show. Read-only by construction: it never appends or
/// redacts, and works with a log opened with the verifier key alone.
struct ReviewLogReader: Sendable {
    let log: TransferLog

    /// Every entry matching `filter`, in sequence order (for exports).
    func records(_ filter: ReviewFilter = ReviewFilter()) async throws -> [ReviewRecord] {
        try await convert(try await log.entries(filter: filter.logFilter, page: .all))
    }

    /// How many entries match, and page `number` (from 1, clamped to the
    /// last page) of them, newest first: one count and one page read.
    func page(_ filter: ReviewFilter, number: Int, size: Int) async throws -> (matched: Int, page: Int, records: [ReviewRecord]) {
        let matched = try await log.count(filter: filter.logFilter)
        let page = min(number, max(1, (matched + size - 1) / size))
        let entries = try await log.entries(filter: filter.logFilter, page: Page(offset: (page - 1) * size, limit: size), newestFirst: true)
        return (matched, page, try await convert(entries))
    }

    /// Volumes for a purpose (or all) and period from the log's hourly tallies.
    func statistics(_ filter: ReviewFilter) async throws -> ReviewStatistics {
        let tallies = try await log.tallies(purpose: filter.purpose, from: filter.from, until: filter.until)
        let bounds = try await log.timeBounds(filter: LogFilter(purpose: filter.purpose, from: filter.from, until: filter.until))
        return ReviewStatistics(tallies: tallies, first: bounds?.lowerBound, last: bounds?.upperBound)
    }

    func convert(_ entries: [SequencedEntry]) async throws -> [ReviewRecord] {
        var records: [ReviewRecord] = []
        records.reserveCapacity(entries.count)
        for entry in entries {
            records.append(try await record(entry))
        }
        return records
    }

    func record(sequence: Int) async throws -> ReviewRecord {
        let entry: SequencedEntry
        do {
            entry = try await log.entry(seq: sequence)
        } catch TransferLogError.noSuchEntry {
            throw ReviewRequestError.noSuchEntry(sequence)
        }
        return try await record(entry)
    }

    /// Checks what was appended since the last verified checkpoint (the
    /// log's incremental verify); the banner shows the checkpoint that run
    /// verified, so appends running meanwhile cannot make it disagree.
    func integrity() async -> ReviewIntegrityStatus {
        do {
            let report = try await log.verifyIncrementally()
            guard report.entries > 0, let note = report.checkpoint else { return .empty }
            let checkpoint = try log.verifier.verify(noteText: note)
            var time = report.lastEntryTime
            if time == nil, let last = try await log.store.records(from: checkpoint.size - 1, limit: 1).first {
                // Nothing new since the last run: the stored time of its last entry.
                time = Date(timeIntervalSince1970: Double(last.timeMillis) / 1000)
            }
            return .verified(
                checkpointSize: checkpoint.size, checkpointTime: time,
                rootHex: ReviewFormat.hex(checkpoint.rootHash))
        } catch let error as LogVerificationError {
            return .failed(firstBadEntry: error.entry, reason: error.problem)
        } catch {
            return .failed(firstBadEntry: nil, reason: "the log could not be read or checked: \(error)")
        }
    }

    /// The inclusion proof of `sequence` against the newest signed tree head,
    /// checked before it is handed out: a reviewer would take a failing
    /// download for tampering, so a proof that does not verify is an error
    /// that says so.
    func proof(sequence: Int) async throws -> InclusionProofBundle {
        let bundle: InclusionProofBundle
        do {
            bundle = try await log.inclusionProof(seq: sequence)
        } catch TransferLogError.noSuchEntry {
            throw ReviewRequestError.noSuchEntry(sequence)
        }
        do {
            _ = try bundle.verify(with: log.verifier)
        } catch {
            throw ReviewLogError.proofDoesNotVerify(sequence, "\(error)")
        }
        return bundle
    }

    private func record(_ sequenced: SequencedEntry) async throws -> ReviewRecord {
        guard let entry = sequenced.entry else {
            // Redacted after retention: only the indexed columns remain.
            let stored = try await log.store.records(from: sequenced.seq, limit: 1).first
            return ReviewRecord(
                sequence: sequenced.seq,
                time: stored.map { Date(timeIntervalSince1970: Double($0.timeMillis) / 1000) } ?? Date(timeIntervalSince1970: 0),
                recipient: stored?.recipient ?? "—", purpose: stored?.purpose ?? "—", legalBasis: "—",
                decision: stored.flatMap { ReviewRecord.Decision(rawValue: $0.decision) } ?? .refused,
                checks: [], released: [], consentTextVersion: nil, consentDigest: nil, subjectDigest: nil,
                assertionID: nil, redacted: true)
        }
        let checks = entry.checks.map { ReviewRecord.CheckResult(check: $0.id, passed: $0.passed, reason: $0.reason) }
        return ReviewRecord(
            sequence: sequenced.seq, time: entry.time, recipient: entry.recipient, purpose: entry.purpose,
            legalBasis: entry.legalBasis, decision: entry.decision,
            checks: checks,
            released: entry.attributes.map { ReviewRecord.ReleasedAttribute(name: $0.name, transforms: $0.transforms) },
            consentTextVersion: Self.consentTextVersion(fromChecks: checks),
            consentDigest: entry.consentDigest.isEmpty ? nil : entry.consentDigest,
            subjectDigest: entry.subjectDigest, assertionID: entry.assertionID.isEmpty ? nil : entry.assertionID)
    }

    /// The entry body has the consent record only as a digest; the consent
    /// check names the text version in its reason when it passes
    /// ("separate consent, text V, N s old").
    static func consentTextVersion(fromChecks checks: [ReviewRecord.CheckResult]) -> String? {
        guard let consent = checks.first(where: { $0.check == "consent.separate" && $0.passed }) else { return nil }
        guard let part = consent.reason.components(separatedBy: ", ").first(where: { $0.hasPrefix("text ") }) else { return nil }
        return String(part.dropFirst("text ".count))
    }
}

/// The log could not answer a reviewer's question.
public enum ReviewLogError: Error, CustomStringConvertible, Sendable, Equatable {
    case proofDoesNotVerify(Int, String)

    public var description: String {
        switch self {
        case .proofDoesNotVerify(let seq, let why):
            "the inclusion proof of entry \(seq) does not verify against the newest checkpoint (\(why)); see the integrity banner"
        }
    }
}
