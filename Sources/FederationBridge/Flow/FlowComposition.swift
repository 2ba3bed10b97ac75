@preconcurrency import Crypto
import Foundation
import IAMSmart
import Logging
import PIAChecks
import SAMLMapper
import ServiceLifecycle
import X509

extension BridgeApplication {
    /// Composes the sign-in flow into this application from its configuration:
    /// the privacy policy, the transfer log (next to the state store), the
    /// iAM Smart client, the partner metadata registry (read now, then on a
    /// timer and on SIGHUP) and our keys. Fails with a message naming the
    /// file or key when any of them is unusable.
    /// Instances on PostgreSQL may be many and share iAM Smart's one content
    /// key through the store; the SQLite store serves one instance, which
    /// keeps its key to itself and revokes it when it stops.
    private func sharedContentKey(_ configuration: BridgeConfiguration, logger: Logger) -> (any ContentKeySharing)? {
        guard case .postgres = configuration.store else { return nil }
        return StoredContentKey(vault: services.vault, logger: logger)
    }

    @discardableResult
    public mutating func installFlow(clock: FlowClock = .system) async throws -> FederationFlow {
        let configuration = services.configuration
        let logger = services.logger
        let policies: PolicyStore
        do {
            policies = try PolicyStore(file: configuration.policyFile, logger: logger)
        } catch {
            throw KeyMaterialError("policy.file (\(configuration.policyFile.path)): \(error)")
        }
        let keys = try IdPKeyMaterial(configuration: configuration)
        let logStore = try await configuration.store.openTransferLog(logger: logger)
        let transferLog = TransferLog(
            store: logStore, signer: keys.treeHeadSigner,
            signedState: SignedTreeStateFile(url: configuration.transferLog.checkpointFile))
        let metrics = services.metrics
        services.readiness.register(
            ReadinessProbe(name: "transfer-log") {
                let problem = await transferLog.integrityProblem()
                metrics.recordLogIntegrity(consistent: problem == nil)
                return problem
            })
        addService(
            LogAuditService(log: transferLog, interval: configuration.transferLog.auditInterval, metrics: metrics, logger: logger))
        if !configuration.transferLog.witnesses.isEmpty {
            let collector = WitnessCollector(
                log: transferLog, witnesses: configuration.transferLog.witnesses,
                maxLag: configuration.transferLog.witnessMaxLag, metrics: metrics, logger: logger)
            addService(WitnessCollectionService(collector: collector, interval: configuration.transferLog.witnessInterval))
            services.readiness.register(ReadinessProbe(name: "witnesses") { await collector.lagProblem() })
        }

        let iam = configuration.iamSmart
        let digestKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: configuration.mapping.pseudonymSecret, info: Data("federation-bridge openid digest v1".utf8),
            outputByteCount: 32)
        let base = configuration.baseURLWithoutTrailingSlash
        let iamSmart = try IAMSmartClient(
            configuration: IAMSmartConfiguration(
                baseURL: iam.baseURL, clientID: iam.clientID, clientSecret: iam.clientSecret, privateKeyPEM: iam.privateKey.pemText,
                tokenPrivateKey: keys.iamSmartTokenKey,
                contentKeyPadding: iam.cekPadding == .pkcs1v15 ? .pkcs1v15 : .oaepSHA1,
                timeouts: .init(connect: iam.connectTimeout, total: iam.requestTimeout),
                redirectURI: base + iam.redirectPath, scopes: iam.scopes, lang: iam.lang,
                logDigestKey: digestKey.withUnsafeBytes { Data($0) }),
            contentKeySharing: sharedContentKey(configuration, logger: logger),
            logger: logger)

        let query = configuration.metadata.queryURL.map {
            MetadataQueryClient(
                baseURL: $0.absoluteString, defaultCacheDuration: Double(configuration.metadata.queryCacheDuration.components.seconds))
        }
        let registry = try PartnerMetadataRegistry(
            directory: configuration.metadata.directory, trustCertificatePEM: configuration.metadata.trustCertificate?.pem,
            query: query, queryAllowed: { policies.current.recipient(entityID: $0) != nil }, logger: logger)
        registry.reload()

        let flow = FederationFlow(
            services: services, policies: policies, transferLog: transferLog, iamSmart: iamSmart, registry: registry, keys: keys,
            clock: clock)
        flow.install(on: self)
        Self.collectMetrics(metrics, log: transferLog, keys: keys, registry: registry)
        if !keys.tokenKeys.isEmpty { services.readiness.register(keys.readinessProbe) }
        LogTileRoutes.install(on: router, log: TransferLog(store: logStore, verifier: transferLog.verifier))
        addService(MetadataRefresher(registry: registry, policies: policies, interval: configuration.metadata.refreshInterval, logger: logger))
        addService(
            ShutdownActions {
                await iamSmart.shutdown()
                try? await logStore.close()
                keys.closeTokens()
            })
        logger.info(
            "flow installed",
            metadata: [
                "partners": "\(registry.serviceProviders().count)", "log": "\(keys.treeHeadSigner.verifier.verifierKey)",
            ])
        return flow
    }
}

extension BridgeApplication {
    /// Gauges read at each scrape: the log's size, and the expiry of our
    /// certificates and of each partner's metadata, so alerts fire before
    /// a sign-in fails on them.
    static func collectMetrics(_ metrics: BridgeMetrics, log: TransferLog, keys: IdPKeyMaterial, registry: PartnerMetadataRegistry) {
        let certificates =
            [("signing", keys.signingCertificateDER), ("encryption", keys.encryptionCertificateDER)]
            + (keys.nextSigningCertificateDER.map { [("signing-next", $0)] } ?? [])
        for (key, der) in certificates {
            if let certificate = try? Certificate(derEncoded: Array(der)) {
                metrics.recordCertificateExpiry(key: key, notValidAfter: certificate.notValidAfter)
            }
        }
        metrics.addCollector {
            if let head = try? await log.latestTreeHead() { metrics.recordLogSize(entries: head.size) }
            for status in registry.statuses() {
                for metadata in status.lastGood {
                    if let validUntil = metadata.validUntil {
                        metrics.recordMetadataExpiry(partner: metadata.entityID, validUntil: validUntil)
                    }
                }
            }
        }
    }
}

/// Runs clean-up at graceful shutdown (revoke the iAM Smart content key,
/// close the transfer log).
struct ShutdownActions: Service {
    let actions: @Sendable () async -> Void

    init(_ actions: @escaping @Sendable () async -> Void) {
        self.actions = actions
    }

    func run() async throws {
        try? await gracefulShutdown()
        await actions()
    }
}
