import Foundation
import Logging
import SAMLMapper

/// The relying parties' SAML metadata, read from the partner metadata folder.
///
/// Every read checks each file's signature (against the federation
/// certificate, when configured) and `validUntil`. A file that fails keeps
/// its last good version in use until that version's own `validUntil`, so a
/// bad push does not cut a partner off; the reason is kept per file and
/// reported by `/readyz` and the log. Files removed from the folder are
/// dropped at the next read.
public final class PartnerMetadataRegistry: Sendable {
    /// What is known about one metadata file.
    public struct FileStatus: Sendable {
        public var file: String
        /// The metadata in use (the last version that passed), if any.
        public var lastGood: ServiceProviderMetadata?
        public var lastGoodLoadedAt: Date?
        /// Why the latest read failed; `nil` when it passed.
        public var problem: String?
    }

    public let directory: URL
    private let federationKeys: [SigningPublicKey]
    private let requireSignature: Bool
    private let state = LockedState()
    private let logger: Logger

    /// - Parameter trustCertificatePEM: certificate that must have signed each
    ///   file; `nil` accepts unsigned files (a sandbox federation only).
    public init(directory: URL, trustCertificatePEM: String?, logger: Logger = Logger(label: "federation-bridge.metadata")) throws {
        self.directory = directory
        self.federationKeys = try trustCertificatePEM.map { [try SigningPublicKey(pem: $0)] } ?? []
        self.requireSignature = trustCertificatePEM != nil
        self.logger = logger
    }

    /// Re-reads every `*.xml` file in the folder.
    public func reload(now: Date = Date()) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".xml") }.sorted()
        var previous = state.files
        var next: [String: FileStatus] = [:]
        var entityFiles: [String: String] = [:]
        for name in names {
            var status = previous.removeValue(forKey: name) ?? FileStatus(file: name)
            do {
                let data = try Data(contentsOf: directory.appendingPathComponent(name))
                let metadata = try ServiceProviderMetadata.load(
                    data, federationKeys: federationKeys, now: now, requireSignature: requireSignature, requireValidUntil: true)
                if let other = entityFiles[metadata.entityID] {
                    throw PartnerMetadataError.duplicateEntity(metadata.entityID, other)
                }
                status.lastGood = metadata
                status.lastGoodLoadedAt = now
                status.problem = nil
            } catch {
                var reason = "\(error)"
                if let kept = status.lastGood, let validUntil = kept.validUntil, validUntil > now {
                    reason += "; keeping the version loaded at \(SAMLTime.string(status.lastGoodLoadedAt ?? now)) until its validUntil \(SAMLTime.string(validUntil))"
                } else {
                    status.lastGood = nil
                }
                if status.problem != reason {
                    logger.warning("partner metadata refused", metadata: ["file": "\(name)", "reason": "\(reason)"])
                }
                status.problem = reason
            }
            if let entityID = status.lastGood?.entityID, entityFiles[entityID] == nil { entityFiles[entityID] = name }
            next[name] = status
        }
        state.files = next
        logger.debug("partner metadata read", metadata: ["files": "\(names.count)", "usable": "\(entityFiles.count)"])
    }

    /// Relying parties usable at `now`: last good versions not past `validUntil`.
    public func serviceProviders(now: Date = Date()) -> [ServiceProviderMetadata] {
        state.files.values.sorted { $0.file < $1.file }.compactMap { status in
            guard let metadata = status.lastGood, let validUntil = metadata.validUntil, validUntil > now else { return nil }
            return metadata
        }
    }

    public func serviceProvider(entityID: String, now: Date = Date()) -> ServiceProviderMetadata? {
        serviceProviders(now: now).first { $0.entityID == entityID }
    }

    public func statuses() -> [FileStatus] {
        state.files.values.sorted { $0.file < $1.file }
    }

    /// `nil` when every file is usable; otherwise each problem, by file.
    public func readinessProblem(now: Date = Date()) -> String? {
        let statuses = statuses()
        if statuses.isEmpty { return "no partner metadata (*.xml) in \(directory.path)" }
        var problems = statuses.compactMap { status in status.problem.map { "\(status.file): \($0)" } }
        for status in statuses where status.problem == nil {
            if let validUntil = status.lastGood?.validUntil, validUntil <= now {
                problems.append("\(status.file): validUntil \(SAMLTime.string(validUntil)) has passed; publish fresh metadata")
            }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// The `metadata` readiness probe.
    public var readinessProbe: ReadinessProbe {
        ReadinessProbe(name: "metadata") { [self] in readinessProblem() }
    }
}

public enum PartnerMetadataError: Error, Sendable, CustomStringConvertible {
    case duplicateEntity(String, String)

    public var description: String {
        switch self {
        case .duplicateEntity(let entityID, let other):
            "metadata refused: entityID \(entityID) is already described by \(other); keep one file per partner"
        }
    }
}

/// The per-file status behind a lock, so reads and reloads can overlap.
private final class LockedState: @unchecked Sendable {
    private let lock = NSLock()
    private var _files: [String: PartnerMetadataRegistry.FileStatus] = [:]

    var files: [String: PartnerMetadataRegistry.FileStatus] {
        get { lock.withLock { _files } }
        set { lock.withLock { _files = newValue } }
    }
}
