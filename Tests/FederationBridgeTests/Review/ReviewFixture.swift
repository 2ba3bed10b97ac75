import Crypto
import FederationBridge
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PIAChecks

/// A transfer log in a fresh SQLite file with a known set of entries, the
/// reviewer routes over it, and a live server on a free loopback port.
struct ReviewFixture {
    static let username = "dpo"
    static let password = "review-pass-2026"

    static let guangzhou = "https://rp.guangzhou.example.gov.cn/saml"
    static let shenzhen = "https://rp.shenzhen.example.gov.cn/saml"
    static let zhuhai = "https://rp.zhuhai.example.gov.cn/saml"
    static let account = "gd-realname-account"
    static let tax = "gd-tax-registration"
    static let base = Date(timeIntervalSince1970: 1_795_651_200)  // 2026-11-26T00:00:00Z

    let directory: URL
    let storePath: String
    let store: any TransferLogStore
    let log: TransferLog
    let signer: TreeHeadSigner
    let policy: Policy
    let entries: [TransferLogEntry]
    let auditURL: URL
    let routes: ReviewRoutes

    /// - Parameter storeURL: a `postgres://` URL to use that server instead of a SQLite file.
    /// - Parameter failureLimit: wrong passwords before a name is locked; high by default so
    ///   tests that probe wrong passwords on every page are not locked out.
    static func make(
        entries: [TransferLogEntry] = standardEntries(), storeURL: String? = nil, failureLimit: Int = 1000
    ) async throws -> ReviewFixture {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fb-review-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let storePath = directory.appendingPathComponent("log.sqlite").path
        let store: any TransferLogStore
        if let storeURL {
            store = try await TransferLogStores.open(url: storeURL)
        } else {
            store = try SQLiteTransferLogStore(path: storePath)
        }
        let signer = try TreeHeadSigner.generate(name: "federationbridge.test/log")
        let writer = TransferLog(store: store, signer: signer)
        for entry in entries {
            _ = try await writer.append(entry)
        }
        // The pages get a log opened with the public key only.
        let log = TransferLog(store: store, verifier: signer.verifier)
        let auditURL = directory.appendingPathComponent("reviewer-audit.jsonl")
        let accounts = try ReviewAccounts([
            .init(username: username, passwordHash: try ReviewAccounts.hashPassword(password, cost: 10)),
            .init(username: "auditor", passwordHash: try ReviewAccounts.hashPassword("other-secret", cost: 10)),
        ])
        let stateStore = try SQLiteStateStore(path: directory.appendingPathComponent("state.sqlite"))
        try await stateStore.prepare()
        let signIn = ReviewSignIn(store: stateStore, accounts: accounts, secureCookie: false, failureLimit: failureLimit)
        let routes = try ReviewRoutes(
            log: log, policy: standardPolicy, signIn: signIn, auditLog: try ReviewAuditLog(fileURL: auditURL))
        return ReviewFixture(
            directory: directory, storePath: storePath, store: store, log: log, signer: signer, policy: standardPolicy,
            entries: entries, auditURL: auditURL, routes: routes)
    }

    /// Runs `body` against a live server on a free loopback port.
    func withServer<Value: Sendable>(_ body: @Sendable @escaping (any TestClientProtocol) async throws -> Value) async throws -> Value {
        let app = ReviewServer.application(routes: routes, port: 0)
        return try await app.test(.live) { client in try await body(client) }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Data

    static let standardPolicy = Policy(
        recipients: [
            Recipient(
                entityID: guangzhou, legalEntity: "Guangzhou Municipal Government Service Data Administration",
                city: "Guangzhou", contractFilingReference: "GBA-SC-2026-0117",
                contractFiledOn: Date(timeIntervalSince1970: 1_780_000_000), contact: "privacy@gz.example.gov.cn",
                retentionDays: 365, onwardTransferExcluded: true, maxTransfersPerHour: 1000),
            Recipient(
                entityID: shenzhen, legalEntity: "Shenzhen Government Service Data Administration",
                city: "Shenzhen", contractFilingReference: "GBA-SC-2026-0242",
                contractFiledOn: Date(timeIntervalSince1970: 1_781_000_000), contact: "privacy@sz.example.gov.cn",
                retentionDays: 180, onwardTransferExcluded: true, maxTransfersPerHour: 1000),
            Recipient(
                entityID: zhuhai, legalEntity: "Zhuhai Government Service Centre", city: "Zhuhai",
                contractFilingReference: "GBA-SC-2026-0388", contractFiledOn: Date(timeIntervalSince1970: 1_782_000_000),
                contact: "privacy@zh.example.gov.cn", retentionDays: 90, onwardTransferExcluded: true,
                maxTransfersPerHour: 1000),
        ],
        purposes: [
            Purpose(
                id: account,
                descriptions: ["en": "Open a Guangdong real-name account", "zh-Hant": "開立廣東實名帳戶", "zh-Hans": "开立广东实名账户"],
                allowedAttributes: [
                    AllowedAttribute(name: "cn", necessity: "name on the real-name account", requiredTransforms: ["hant-to-hans"]),
                    AllowedAttribute(name: "age_over_18", necessity: "adults only", requiredTransforms: ["age-over-18"]),
                    AllowedAttribute(name: "uid", necessity: "pairwise account key", requiredTransforms: ["pairwise-id"]),
                ],
                requiredAssurance: .substantial, minimumAge: 18, encryptionRequired: true, maxRetentionDays: 365,
                sensitiveAttributes: [], legalBasis: "consent (PIPL Art. 13(1), 39)"),
            Purpose(
                id: tax, descriptions: ["en": "Register for Guangdong tax services"],
                allowedAttributes: [AllowedAttribute(name: "uid", necessity: "pairwise account key", requiredTransforms: ["pairwise-id"])],
                requiredAssurance: .substantial, minimumAge: nil, encryptionRequired: true, maxRetentionDays: 180,
                sensitiveAttributes: [], legalBasis: "consent (PIPL Art. 13(1), 39)"),
        ],
        consentTextVersions: [ConsentTextVersion(id: "2026-09", sha256: String(repeating: "ab", count: 32))],
        sensitiveAttributes: ["idcardnumber"])

    static let checkIDs = [
        "recipient.registered", "purpose.registered", "minimisation", "consent.separate", "legal-basis", "assurance",
        "age-eligibility", "sensitive-attributes", "encryption", "retention", "volume",
    ]

    /// 40 entries over about a day: three recipients, two purposes, every
    /// fourth refused — by consent when `i % 8 == 3`, by age and
    /// minimisation when `i % 8 == 7`.
    static func standardEntries(count: Int = 40) -> [TransferLogEntry] {
        (0..<count).map { index in
            let recipient = [guangzhou, shenzhen, zhuhai][index % 3]
            let purpose = index % 5 == 4 ? tax : account
            var failed: [String: String] = [:]
            if index % 8 == 3 { failed["consent.separate"] = "no consent recorded" }
            if index % 8 == 7 {
                failed["age-eligibility"] = "subject is under 18 and the purpose requires 18"
                failed["minimisation"] = "released but not allowed: birthDate"
            }
            return entry(index: index, recipient: recipient, purpose: purpose, failed: failed)
        }
    }

    static func entry(index: Int, recipient: String, purpose: String, failed: [String: String]) -> TransferLogEntry {
        let checks = checkIDs.map { id in
            if let reason = failed[id] { return CheckResult.fail(id, reason) }
            if id == "consent.separate" { return CheckResult.pass(id, "separate consent, text 2026-09, 42 s old") }
            return CheckResult.pass(id, "\(id) satisfied")
        }
        let attributes =
            purpose == tax
            ? [ReleasedAttribute(name: "uid", transforms: ["pairwise-id"])]
            : [
                ReleasedAttribute(name: "cn", transforms: ["hant-to-hans"]),
                ReleasedAttribute(name: "age_over_18", transforms: ["age-over-18"]),
                ReleasedAttribute(name: "uid", transforms: ["pairwise-id"]),
            ]
        let subjectKey = SymmetricKey(data: Data(repeating: 7, count: 32))
        return TransferLogEntry(
            time: base.addingTimeInterval(Double(index) * 37 * 60), recipient: recipient, purpose: purpose,
            legalBasis: "consent (PIPL Art. 13(1), 39)", attributes: failed.isEmpty ? attributes : [],
            checks: checks, consentDigest: String(repeating: "c", count: 64),
            subjectDigest: TransferLogEntry.subjectDigest(pairwiseSubject: "pairwise-\(index)", key: subjectKey),
            assertionID: "_a\(index)", decision: failed.isEmpty ? .transfer : .refused)
    }
}

/// Request helpers over the HummingbirdTesting client.
extension TestClientProtocol {
    func get(_ uri: String, username: String? = ReviewFixture.username, password: String = ReviewFixture.password) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let username {
            headers[.authorization] = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        }
        return try await execute(uri: uri, method: .get, headers: headers)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
