import Crypto
import Foundation

@testable import PIAChecks

/// Shared test data: a policy, a request that passes every check, helpers.
enum Fixtures {
    static let recipient = "https://rp.gd.example.cn/saml/sp"
    static let purpose = "gd-realname-account"
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    static let policyYAML = """
        version: 1
        consent:
          maxAgeSeconds: 600
          textVersions:
            - id: consent-v1
              sha256: \(String(repeating: "ab", count: 32))
        sensitiveAttributes: [idcardnumber, birthDate, faceImage]
        volume:
          windowHours: 4
          anomalyFactor: 3
          minimumBaseline: 10
        recipients:
          - entityID: \(recipient)
            legalEntity: Example Guangdong Platform Operator
            city: Guangzhou
            standardContract:
              filingReference: GBA-SC-TEST-1
              filedOn: 2026-01-15
            contact: privacy@gd.example.cn
            retentionDays: 365
            onwardTransferExcluded: true
            maxTransfersPerHour: 100
          - entityID: https://rp.beijing.example.cn/saml
            legalEntity: Example Beijing Operator
            city: Beijing
            standardContract:
              filingReference: GBA-SC-TEST-2
              filedOn: 2026-01-15
            contact: privacy@bj.example.cn
            retentionDays: 365
            onwardTransferExcluded: true
            maxTransfersPerHour: 100
          - entityID: https://rp.onward.example.cn/saml
            legalEntity: Example Onward Operator
            city: Shenzhen
            standardContract:
              filingReference: GBA-SC-TEST-3
              filedOn: 2026-01-15
            contact: privacy@sz.example.cn
            retentionDays: 4000
            onwardTransferExcluded: false
            maxTransfersPerHour: 100
        purposes:
          - id: \(purpose)
            description:
              zh-Hant: 開立實名帳戶
              zh-Hans: 开立实名账户
              en: Open a real-name account
            legalBasis: consent
            assurance: substantial
            minimumAge: 18
            encryptionRequired: true
            maxRetentionDays: 1095
            attributes:
              - name: uid
                necessity: binds the account
                requiredTransforms: [pairwise-id]
              - name: cn
                necessity: real-name account
                requiredTransforms: [zh-hant-to-zh-hans]
              - name: ageOver18
                necessity: adults only
                requiredTransforms: [age-over-18]
          - id: minor-library-card
            description:
              zh-Hant: 借書證
              zh-Hans: 借书证
              en: Library card
            legalBasis: consent
            assurance: low
            minimumAge: 11
            encryptionRequired: false
            maxRetentionDays: 365
            sensitiveAttributes: [idcardnumber]
            attributes:
              - name: uid
                necessity: binds the card
              - name: idcardnumber
                necessity: the library's rules need the document number
        """

    static func policy() throws -> Policy {
        try Policy.parse(yaml: policyYAML)
    }

    static let released = [
        ReleasedAttribute(name: "uid", transforms: ["pairwise-id"]),
        ReleasedAttribute(name: "cn", transforms: ["zh-hant-to-zh-hans"]),
        ReleasedAttribute(name: "ageOver18", transforms: ["age-over-18"]),
    ]

    /// A request every check passes.
    static func request() -> TransferRequest {
        TransferRequest(
            recipientEntityID: recipient, purposeID: purpose,
            released: released, requestedAttributes: ["uid", "cn", "ageOver18"],
            consent: ConsentRecord(
                recipientEntityID: recipient, purposeID: purpose, attributes: ["uid", "cn", "ageOver18"],
                givenAt: now.addingTimeInterval(-60), textVersion: "consent-v1"),
            assurance: .substantial, subjectAgeYears: 30, encryptedToRecipient: true, now: now)
    }

    static func entry(_ index: Int, time: Date = Date(), recipient: String = recipient, decision: TransferDecision = .transfer) -> TransferLogEntry {
        TransferLogEntry(
            time: time, recipient: recipient, purpose: purpose, legalBasis: "consent", attributes: released,
            checks: [
                CheckResult(id: "recipient.registered", passed: true, reason: "ok"),
                CheckResult(id: "consent.separate", passed: decision == .transfer, reason: decision == .transfer ? "ok" : "no consent"),
            ],
            consentDigest: String(repeating: "c", count: 64),
            subjectDigest: TransferLogEntry.subjectDigest(
                pairwiseSubject: "pairwise-\(index)", key: SymmetricKey(data: Data(repeating: 7, count: 32))),
            assertionID: "_a\(index)", decision: decision)
    }

    static func signer() throws -> TreeHeadSigner {
        try TreeHeadSigner.generate(name: "test.federationbridge.invalid/log")
    }

    /// The package root, from this file's path.
    static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("fb-pia-\(UUID().uuidString)-\(name)").path
    }
}

/// Runs a program and returns its exit status and output.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

func runProcess(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs a Python 3 script (an implementation independent of ours).
func runPython(_ script: String, stdin: String) throws -> ProcessResult {
    try runProcess("/usr/bin/env", ["python3", "-c", script], stdin: Data(stdin.utf8))
}
