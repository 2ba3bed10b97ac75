import Foundation
import Yams

/// The privacy policy the checks enforce: who may receive what, for which
/// purpose, on which legal basis.
///
/// Loaded from one YAML file and validated as a whole at start-up, so a
/// mistake stops the bridge instead of weakening a check at run time.
public struct Policy: Sendable, Hashable {
    public var recipients: [Recipient]
    public var purposes: [Purpose]
    public var consentTextVersions: [ConsentTextVersion]
    /// Attribute names that are sensitive wherever they appear (ID numbers,
    /// biometrics, raw birth dates).
    public var sensitiveAttributes: Set<String>
    /// Longest time between consent and transfer, in seconds.
    public var consentMaxAgeSeconds: Int
    public var volume: VolumePolicy

    public init(
        recipients: [Recipient], purposes: [Purpose], consentTextVersions: [ConsentTextVersion],
        sensitiveAttributes: Set<String>, consentMaxAgeSeconds: Int = 900, volume: VolumePolicy = VolumePolicy()
    ) {
        self.recipients = recipients
        self.purposes = purposes
        self.consentTextVersions = consentTextVersions
        self.sensitiveAttributes = sensitiveAttributes
        self.consentMaxAgeSeconds = consentMaxAgeSeconds
        self.volume = volume
    }

    // MARK: Lookups

    public func recipient(entityID: String) -> Recipient? {
        recipients.first { $0.entityID == entityID }
    }

    public func purpose(id: String) -> Purpose? {
        purposes.first { $0.id == id }
    }

    public func consentTextVersion(id: String) -> ConsentTextVersion? {
        consentTextVersions.first { $0.id == id }
    }

    // MARK: Loading

    /// Reads and validates a policy file.
    public static func load(from url: URL) throws -> Policy {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw PolicyError(line: nil, key: "", problem: "cannot read policy file \(url.lastPathComponent): \(error.localizedDescription)")
        }
        return try parse(yaml: text)
    }

    /// Parses and validates policy YAML text.
    public static func parse(yaml: String) throws -> Policy {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw PolicyError(line: nil, key: "", problem: "the policy file is empty")
            }
            root = node
        } catch let error as PolicyError {
            throw error
        } catch {
            throw PolicyError(line: (error as? YamlError).flatMap { Self.line(of: $0) }, key: "", problem: "not valid YAML")
        }
        let doc = PolicyReader(node: root, path: "")
        try doc.allowOnly(["version", "consent", "sensitiveAttributes", "volume", "recipients", "purposes"])
        let version = try doc.required("version")
        guard try version.int() == 1 else { throw version.fail("only version 1 is understood") }

        let consent = try doc.required("consent")
        try consent.allowOnly(["maxAgeSeconds", "textVersions"])
        let maxAge = try consent.required("maxAgeSeconds").int(min: 1)
        var versions: [ConsentTextVersion] = []
        for item in try consent.required("textVersions").items() {
            try item.allowOnly(["id", "sha256"])
            let id = try item.required("id").string()
            let digestNode = try item.required("sha256")
            let digest = try digestNode.string().lowercased()
            guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
                throw digestNode.fail("expected 64 hex digits (SHA-256 of the consent text)")
            }
            if versions.contains(where: { $0.id == id }) { throw item.fail("duplicate consent text version '\(id)'") }
            versions.append(ConsentTextVersion(id: id, sha256: digest))
        }
        guard !versions.isEmpty else { throw consent.fail("at least one consent text version is required") }

        let sensitive = Set(try doc.optional("sensitiveAttributes")?.strings() ?? [])

        var volume = VolumePolicy()
        if let v = try doc.optional("volume") {
            try v.allowOnly(["windowHours", "anomalyFactor", "minimumBaseline"])
            if let w = try v.optional("windowHours") { volume.windowHours = try w.int(min: 1) }
            if let f = try v.optional("anomalyFactor") {
                volume.anomalyFactor = try f.double()
                guard volume.anomalyFactor >= 1 else { throw f.fail("must be at least 1") }
            }
            if let b = try v.optional("minimumBaseline") { volume.minimumBaseline = try b.int(min: 0) }
        }

        var recipients: [Recipient] = []
        for item in try doc.required("recipients").items() {
            let recipient = try readRecipient(item)
            if recipients.contains(where: { $0.entityID == recipient.entityID }) {
                throw item.fail("duplicate recipient entityID")
            }
            recipients.append(recipient)
        }
        var purposes: [Purpose] = []
        for item in try doc.required("purposes").items() {
            let purpose = try readPurpose(item)
            if purposes.contains(where: { $0.id == purpose.id }) { throw item.fail("duplicate purpose id '\(purpose.id)'") }
            purposes.append(purpose)
        }
        return Policy(
            recipients: recipients, purposes: purposes, consentTextVersions: versions,
            sensitiveAttributes: sensitive, consentMaxAgeSeconds: maxAge, volume: volume
        )
    }

    private static func readRecipient(_ item: PolicyReader) throws -> Recipient {
        try item.allowOnly([
            "entityID", "legalEntity", "names", "city", "standardContract", "contact",
            "retentionDays", "onwardTransferExcluded", "maxTransfersPerHour",
        ])
        let contract = try item.required("standardContract")
        try contract.allowOnly(["filingReference", "filedOn"])
        var names: [String: String] = [:]
        if let namesNode = try item.optional("names") {
            try namesNode.allowOnly(["zh-Hant", "zh-Hans", "en"])
            for language in ["zh-Hant", "zh-Hans", "en"] {
                if let name = try namesNode.optional(language) { names[language] = try name.string() }
            }
        }
        var recipient = Recipient(
            entityID: try item.required("entityID").string(),
            legalEntity: try item.required("legalEntity").string(),
            city: try item.required("city").string(),
            contractFilingReference: try contract.required("filingReference").string(),
            contractFiledOn: try contract.required("filedOn").day(),
            contact: try item.required("contact").string(),
            retentionDays: try item.required("retentionDays").int(min: 1),
            onwardTransferExcluded: try item.required("onwardTransferExcluded").bool(),
            maxTransfersPerHour: try item.required("maxTransfersPerHour").int(min: 1)
        )
        recipient.names = names
        return recipient
    }

    private static func readPurpose(_ item: PolicyReader) throws -> Purpose {
        try item.allowOnly([
            "id", "description", "legalBasis", "assurance", "minimumAge", "encryptionRequired",
            "maxRetentionDays", "sensitiveAttributes", "attributes",
        ])
        let descriptionNode = try item.required("description")
        try descriptionNode.allowOnly(["zh-Hant", "zh-Hans", "en"])
        var descriptions: [String: String] = [:]
        for language in ["zh-Hant", "zh-Hans", "en"] {
            descriptions[language] = try descriptionNode.required(language).string()
        }
        let assuranceNode = try item.required("assurance")
        guard let assurance = AssuranceLevel(rawValue: try assuranceNode.string()) else {
            throw assuranceNode.fail("expected one of \(AssuranceLevel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var attributes: [AllowedAttribute] = []
        let attributesNode = try item.required("attributes")
        for attribute in try attributesNode.items() {
            try attribute.allowOnly(["name", "necessity", "requiredTransforms"])
            let name = try attribute.required("name").string()
            if attributes.contains(where: { $0.name == name }) { throw attribute.fail("duplicate attribute '\(name)'") }
            attributes.append(
                AllowedAttribute(
                    name: name,
                    necessity: try attribute.required("necessity").string(),
                    requiredTransforms: try attribute.optional("requiredTransforms")?.strings() ?? []
                ))
        }
        guard !attributes.isEmpty else { throw attributesNode.fail("a purpose must allow at least one attribute") }
        let sensitiveNode = try item.optional("sensitiveAttributes")
        let sensitive = Set(try sensitiveNode?.strings() ?? [])
        for name in sensitive where !attributes.contains(where: { $0.name == name }) {
            throw (sensitiveNode ?? item).fail("sensitive attribute '\(name)' is not among the purpose's attributes")
        }
        return Purpose(
            id: try item.required("id").string(),
            descriptions: descriptions,
            allowedAttributes: attributes,
            requiredAssurance: assurance,
            // Absent means adult only: real-name account opening refuses minors unless the policy says otherwise.
            minimumAge: try item.optional("minimumAge")?.int(min: 0) ?? 18,
            encryptionRequired: try item.required("encryptionRequired").bool(),
            maxRetentionDays: try item.required("maxRetentionDays").int(min: 1),
            sensitiveAttributes: sensitive,
            legalBasis: try item.required("legalBasis").string()
        )
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }
}
