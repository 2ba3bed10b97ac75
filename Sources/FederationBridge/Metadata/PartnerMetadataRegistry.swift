import Foundation
import Logging
import SAMLMapper

/// The relying parties' SAML metadata: files in the partner metadata folder
/// (single `EntityDescriptor`s or signed `EntitiesDescriptor` aggregates),
/// and, when configured, per-entity lookups over the Metadata Query protocol.
///
/// Every read checks the signature (against any of the federation's trust
/// certificates, so its signing key can be rolled over with overlap) and
/// `validUntil`. A file that fails keeps its last good entities in use until
/// their own `validUntil`, so a bad push does not cut partners off. One
/// partner's failure degrades that partner alone: `/readyz` names it and
/// stays ready while other partners work.
public final class PartnerMetadataRegistry: Sendable {
    /// What is known about one metadata file.
    public struct FileStatus: Sendable {
        public var file: String
        /// The relying parties in use from this file (the last version that passed).
        public var lastGood: [ServiceProviderMetadata] = []
        public var lastGoodLoadedAt: Date?
        /// Why the latest read failed as a whole; `nil` when it passed.
        public var problem: String?
        /// Entities of the file refused on their own, with why.
        public var refused: [FederationMetadata.Refusal] = []
        /// When `cacheDuration` asks for the file to be read again.
        public var refreshBy: Date?
    }

    /// One entity from the metadata query service.
    struct QueriedEntity: Sendable {
        var metadata: ServiceProviderMetadata?
        /// Ask again after this.
        var freshUntil: Date
        var problem: String?
    }

    public let directory: URL
    public let query: MetadataQueryClient?
    private let federationKeys: [SigningPublicKey]
    private let requireSignature: Bool
    private let queryAllowed: @Sendable (String) -> Bool
    private let state = LockedState()
    private let logger: Logger

    /// How long a failed or empty (404) query answer is remembered before asking again.
    static let queryRetry: TimeInterval = 60

    /// - Parameters:
    ///   - trustCertificatePEM: certificates (one or several PEM blocks) any
    ///     of which must have signed each document; `nil` accepts unsigned
    ///     files (a sandbox federation only).
    ///   - query: the metadata query service for entities not in the folder.
    ///   - queryAllowed: entity IDs worth a query (the privacy policy's recipients),
    ///     so arbitrary issuers cannot make the bridge query on their behalf.
    public init(
        directory: URL, trustCertificatePEM: String?, query: MetadataQueryClient? = nil,
        queryAllowed: @escaping @Sendable (String) -> Bool = { _ in true },
        logger: Logger = Logger(label: "federation-bridge.metadata")
    ) throws {
        self.directory = directory
        self.query = query
        if let trustCertificatePEM {
            let certificates = PEMText.ders(trustCertificatePEM)
            guard !certificates.isEmpty else { throw PartnerMetadataError.noTrustCertificate }
            federationKeys = try certificates.map { try SigningPublicKey(certificateDER: Array($0)) }
        } else {
            federationKeys = []
        }
        self.requireSignature = trustCertificatePEM != nil
        self.queryAllowed = queryAllowed
        self.logger = logger
    }

    /// Reads a document as this registry trusts it.
    public func read(_ data: Data, now: Date) throws -> FederationMetadata {
        try FederationMetadata.load(data, federationKeys: federationKeys, now: now, requireSignature: requireSignature, requireValidUntil: true)
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
            let before = status
            do {
                let document = try read(try Data(contentsOf: directory.appendingPathComponent(name)), now: now)
                var accepted: [ServiceProviderMetadata] = []
                var refused = document.refused
                for provider in document.serviceProviders {
                    if let other = entityFiles[provider.entityID] {
                        refused.append(
                            .init(entityID: provider.entityID, reason: PartnerMetadataError.duplicateEntity(provider.entityID, other).description))
                    } else {
                        entityFiles[provider.entityID] = name
                        accepted.append(provider)
                    }
                }
                if accepted.isEmpty, document.serviceProviders.count + document.refused.count == 1, let only = refused.first {
                    // A single-partner file whose partner is refused is a refused file.
                    throw PartnerMetadataError.refused(only.reason)
                }
                status.lastGood = accepted
                status.lastGoodLoadedAt = now
                status.problem = nil
                status.refused = refused
                status.refreshBy = document.cacheDuration.map { now.addingTimeInterval($0) }
            } catch {
                var reason = "\(error)"
                status.lastGood = status.lastGood.filter { provider in
                    (provider.validUntil.map { $0 > now } ?? false) && entityFiles[provider.entityID] == nil
                }
                if let validUntil = status.lastGood.compactMap(\.validUntil).min() {
                    reason +=
                        "; keeping the version loaded at \(SAMLTime.string(status.lastGoodLoadedAt ?? now)) until its validUntil \(SAMLTime.string(validUntil))"
                }
                for provider in status.lastGood { entityFiles[provider.entityID] = name }
                status.problem = reason
                status.refused = []
                status.refreshBy = nil
            }
            if status.problem != before.problem, let problem = status.problem {
                logger.warning("partner metadata refused", metadata: ["file": "\(name)", "reason": "\(problem)"])
            }
            for refusal in status.refused where !before.refused.contains(refusal) {
                logger.warning(
                    "partner metadata entity refused",
                    metadata: [
                        "file": "\(name)", "entity": "\(refusal.entityID)", "reason": "\(refusal.reason)",
                    ])
            }
            next[name] = status
        }
        state.files = next
        logger.debug("partner metadata read", metadata: ["files": "\(names.count)", "usable": "\(entityFiles.count)"])
    }

    /// Relying parties usable at `now`: from files (last good versions not
    /// past `validUntil`), then from earlier metadata queries.
    public func serviceProviders(now: Date = Date()) -> [ServiceProviderMetadata] {
        let fromFiles = state.files.values.sorted { $0.file < $1.file }.flatMap(\.lastGood).filter { Self.usable($0, now) }
        let known = Set(fromFiles.map(\.entityID))
        let queried = state.queried.sorted { $0.key < $1.key }.compactMap { $0.value.metadata }
            .filter { Self.usable($0, now) && !known.contains($0.entityID) }
        return fromFiles + queried
    }

    public func serviceProvider(entityID: String, now: Date = Date()) -> ServiceProviderMetadata? {
        serviceProviders(now: now).first { $0.entityID == entityID }
    }

    private static func usable(_ provider: ServiceProviderMetadata, _ now: Date) -> Bool {
        provider.validUntil.map { $0 > now } ?? false
    }

    /// The relying party `entityID`, asking the metadata query service when
    /// no file describes it and no fresh answer is cached.
    public func resolve(entityID: String, now: Date = Date()) async -> ServiceProviderMetadata? {
        let fromFiles = state.files.values.lazy.flatMap(\.lastGood)
        if let known = fromFiles.first(where: { $0.entityID == entityID && Self.usable($0, now) }) { return known }
        guard let query, queryAllowed(entityID) else { return nil }
        let cached = state.queried[entityID]
        if let cached, now < cached.freshUntil { return cached.metadata.flatMap { Self.usable($0, now) ? $0 : nil } }
        var entry = QueriedEntity(metadata: nil, freshUntil: now.addingTimeInterval(Self.queryRetry), problem: nil)
        do {
            if let data = try await query.fetch(entityID: entityID) {
                let document = try read(data, now: now)
                guard let provider = document.serviceProviders.first(where: { $0.entityID == entityID }) else {
                    throw PartnerMetadataError.refused(
                        document.refused.first { $0.entityID == entityID }?.reason ?? "the metadata query answer does not describe \(entityID)")
                }
                var freshUntil = now.addingTimeInterval(document.cacheDuration ?? query.defaultCacheDuration)
                if let validUntil = provider.validUntil { freshUntil = min(freshUntil, validUntil) }
                entry = QueriedEntity(metadata: provider, freshUntil: freshUntil, problem: nil)
            }
        } catch {
            if let kept = cached?.metadata, Self.usable(kept, now) { entry.metadata = kept }
            entry.problem = "\(error)" + (entry.metadata == nil ? "" : "; keeping the earlier answer until its validUntil")
            if cached?.problem != entry.problem {
                logger.warning("partner metadata query refused", metadata: ["entity": "\(entityID)", "reason": "\(entry.problem ?? "")"])
            }
        }
        state.update(entityID, entry)
        return entry.metadata
    }

    /// `resolve` for the issuer of a SAML message, so that its validation
    /// finds a partner known only to the metadata query service.
    public func resolveIssuer(of xml: Data, now: Date = Date()) async {
        guard query != nil, let document = try? XMLDocument(parsing: xml),
            let issuer = try? document.root.firstChild("Issuer", in: XMLNamespaces.saml)?.trimmedText()
        else { return }
        _ = await resolve(entityID: issuer, now: now)
    }

    public func statuses() -> [FileStatus] {
        state.files.values.sorted { $0.file < $1.file }
    }

    /// When the earliest `cacheDuration` asks for a re-read, if any.
    public func nextRefresh() -> Date? {
        state.files.values.compactMap(\.refreshBy).min()
    }

    /// `nil` while at least one partner is usable (or the query service may
    /// supply them); otherwise why none is.
    public func readinessProblem(now: Date = Date()) -> String? {
        let statuses = statuses()
        if statuses.isEmpty, query == nil { return "no partner metadata (*.xml) in \(directory.path)" }
        guard serviceProviders(now: now).isEmpty, query == nil else { return nil }
        return "no usable partner metadata: " + (degradation(now: now) ?? "every file is empty of relying parties")
    }

    /// Each partner or file that does not work, by name and why; `nil` when all do.
    public func degradation(now: Date = Date()) -> String? {
        var problems: [String] = []
        for status in statuses() {
            let entities = status.lastGood.map(\.entityID)
            if let problem = status.problem {
                problems.append("\(status.file)\(entities.isEmpty ? "" : " (\(entities.joined(separator: ", ")))"): \(problem)")
            }
            for refusal in status.refused { problems.append("\(refusal.entityID) (in \(status.file)): \(refusal.reason)") }
            for provider in status.lastGood where !Self.usable(provider, now) {
                problems.append(
                    "\(provider.entityID) (in \(status.file)): validUntil \(provider.validUntil.map(SAMLTime.string) ?? "") has passed; publish fresh metadata"
                )
            }
        }
        for (entityID, entry) in state.queried.sorted(by: { $0.key < $1.key }) {
            if let problem = entry.problem { problems.append("\(entityID) (metadata query): \(problem)") }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// The `metadata` readiness probe: unready only when no partner can be served.
    public var readinessProbe: ReadinessProbe {
        ReadinessProbe(name: "metadata", check: { [self] in readinessProblem() }, degradation: { [self] in degradation() })
    }
}

public enum PartnerMetadataError: Error, Sendable, CustomStringConvertible {
    case duplicateEntity(String, String)
    case noTrustCertificate
    case refused(String)

    public var description: String {
        switch self {
        case .duplicateEntity(let entityID, let other):
            "metadata refused: entityID \(entityID) is already described by \(other); keep one description per partner"
        case .noTrustCertificate:
            "metadata.trustCertificate holds no PEM block \"CERTIFICATE\""
        case .refused(let reason):
            reason
        }
    }
}

/// The per-file and per-query status behind a lock, so reads and reloads can overlap.
private final class LockedState: @unchecked Sendable {
    private let lock = NSLock()
    private var _files: [String: PartnerMetadataRegistry.FileStatus] = [:]
    private var _queried: [String: PartnerMetadataRegistry.QueriedEntity] = [:]

    var files: [String: PartnerMetadataRegistry.FileStatus] {
        get { lock.withLock { _files } }
        set { lock.withLock { _files = newValue } }
    }

    var queried: [String: PartnerMetadataRegistry.QueriedEntity] { lock.withLock { _queried } }

    func update(_ entityID: String, _ entry: PartnerMetadataRegistry.QueriedEntity) {
        lock.withLock { _queried[entityID] = entry }
    }
}
