import Foundation
import PIAChecks
import SAMLMapper
import X509
@preconcurrency import _CryptoExtras

/// What a federation operator checks before accepting a member: a partner's
/// metadata judged against the federation's trust and the privacy policy,
/// and exactly what each purpose would release to it and what it would not.
///
/// Pure apart from reading the clock it is given; `bridge partner check`
/// prints it.
public struct PartnerCheck: Sendable {
    public struct Finding: Sendable, Hashable {
        public enum Severity: String, Sendable {
            case pass = "PASS"
            case warning = "WARN"
            case failure = "FAIL"
        }
        public var severity: Severity
        public var topic: String
        public var message: String
    }

    /// One purpose's release to this partner.
    public struct PurposeRelease: Sendable {
        public var purposeID: String
        /// `platform name as requested form`, e.g. `cn as urn:oid:2.5.4.3 (uri)`.
        public var released: [String]
        /// `requested form: reason`.
        public var withheld: [String]
    }

    /// The report for one relying party in the document.
    public struct Report: Sendable {
        public var entityID: String
        public var findings: [Finding]
        public var purposes: [PurposeRelease]
        public var acceptable: Bool { !findings.contains { $0.severity == .failure } }

        /// One screen of text.
        public var text: String {
            var lines = ["Partner \(entityID)"]
            for finding in findings {
                lines.append("  \(finding.severity.rawValue)  \(finding.topic.padding(toLength: 12, withPad: " ", startingAt: 0)) \(finding.message)")
            }
            for purpose in purposes {
                lines.append("  Purpose \(purpose.purposeID):")
                lines.append("    released: " + (purpose.released.isEmpty ? "nothing" : purpose.released.joined(separator: ", ")))
                for withheld in purpose.withheld { lines.append("    withheld: \(withheld)") }
            }
            let failures = findings.filter { $0.severity == .failure }.count
            lines.append(acceptable ? "  Verdict: acceptable" : "  Verdict: NOT acceptable (\(failures) failure\(failures == 1 ? "" : "s"))")
            return lines.joined(separator: "\n")
        }
    }

    public var policy: Policy
    /// Federation trust certificates (PEM, one or several); `nil` skips the signature check, with a warning.
    public var trustCertificatePEM: String?
    public var now: Date

    public init(policy: Policy, trustCertificatePEM: String?, now: Date = Date()) {
        self.policy = policy
        self.trustCertificatePEM = trustCertificatePEM
        self.now = now
    }

    /// Smallest RSA modulus accepted for signing and encryption keys.
    public static let minimumRSABits = 2048

    /// Checks a metadata document (one EntityDescriptor or an aggregate). A
    /// document that cannot be read at all gives one report named after the
    /// problem, with its failure.
    public func check(_ xml: Data) -> [Report] {
        var documentFindings: [Finding] = []
        if let trustCertificatePEM {
            do {
                let keys = try PEMText.ders(trustCertificatePEM).map { try SigningPublicKey(certificateDER: Array($0)) }
                _ = try FederationMetadata.load(xml, federationKeys: keys, now: .distantPast, requireSignature: true, requireValidUntil: false)
                documentFindings.append(Finding(severity: .pass, topic: "signature", message: "signed by a trusted federation key"))
            } catch {
                documentFindings.append(Finding(severity: .failure, topic: "signature", message: "\(error)"))
            }
        } else {
            documentFindings.append(Finding(severity: .warning, topic: "signature", message: "not checked: no federation trust certificate given"))
        }
        let document: FederationMetadata
        do {
            // Read regardless of time, so that validUntil is judged here with the rest.
            document = try FederationMetadata.inspect(xml, now: .distantPast, requireValidUntil: false)
        } catch {
            return [
                Report(
                    entityID: "(unreadable metadata)",
                    findings: documentFindings + [Finding(severity: .failure, topic: "metadata", message: "\(error)")], purposes: [])
            ]
        }
        var reports = document.serviceProviders.map { provider in
            Report(entityID: provider.entityID, findings: documentFindings + findings(provider), purposes: releases(provider))
        }
        reports += document.refused.map {
            Report(
                entityID: $0.entityID, findings: documentFindings + [Finding(severity: .failure, topic: "metadata", message: $0.reason)], purposes: []
            )
        }
        if reports.isEmpty {
            reports = [
                Report(
                    entityID: "(no relying party)",
                    findings: documentFindings + [Finding(severity: .failure, topic: "metadata", message: "\(MetadataError.notSPMetadata)")],
                    purposes: [])
            ]
        }
        return reports
    }

    func findings(_ provider: ServiceProviderMetadata) -> [Finding] {
        var findings: [Finding] = []
        if let validUntil = provider.validUntil {
            let days = validUntil.timeIntervalSince(now) / 86400
            if days <= 0 {
                findings.append(Finding(severity: .failure, topic: "validUntil", message: "\(SAMLTime.string(validUntil)) has passed"))
            } else {
                findings.append(
                    Finding(
                        severity: days < 1 ? .warning : .pass, topic: "validUntil",
                        message: "\(SAMLTime.string(validUntil)) (in \(String(format: "%.1f", days)) days)"))
            }
        } else {
            findings.append(Finding(severity: .failure, topic: "validUntil", message: "missing; the bridge refuses metadata without one"))
        }
        if policy.recipient(entityID: provider.entityID) == nil {
            findings.append(
                Finding(
                    severity: .failure, topic: "recipient",
                    message: "not a recipient in the privacy policy: register it with its Standard Contract filing; nothing would be released"))
        } else {
            findings.append(Finding(severity: .pass, topic: "recipient", message: "registered in the privacy policy"))
        }
        if provider.signingCertificates.isEmpty {
            findings.append(
                Finding(severity: .failure, topic: "certificate", message: "no signing certificate: its AuthnRequests cannot be verified"))
        }
        for (use, certificates) in [("signing", provider.signingCertificates), ("encryption", provider.encryptionCertificates)] {
            for der in certificates { findings.append(Self.certificateFinding(der, use: use, now: now)) }
        }
        if provider.encryptionCertificates.isEmpty {
            let required = policy.purposes.filter(\.encryptionRequired).map(\.id)
            findings.append(
                Finding(
                    severity: required.isEmpty ? .warning : .failure, topic: "certificate",
                    message: "no encryption certificate: assertions cannot be encrypted"
                        + (required.isEmpty ? "" : "; purposes \(required.joined(separator: ", ")) require encryption")))
        }
        var usable = 0
        for acs in provider.assertionConsumerServices {
            let supported = acs.binding == MetadataEndpoint.postBinding || acs.binding == MetadataEndpoint.artifactBinding
            let binding = acs.binding.split(separator: ":").last.map(String.init) ?? acs.binding
            let url = URL(string: acs.location)
            let loopback = ["127.0.0.1", "localhost", "::1"].contains(url?.host ?? "")
            if !supported {
                findings.append(
                    Finding(
                        severity: .warning, topic: "ACS",
                        message: "\(binding) \(acs.location): binding not answered (HTTP-POST and HTTP-Artifact are)"))
            } else if url?.scheme != "https", !loopback {
                findings.append(
                    Finding(severity: .failure, topic: "ACS", message: "\(binding) \(acs.location): not https; personal data would travel in clear"))
            } else {
                usable += 1
                findings.append(
                    Finding(
                        severity: .pass, topic: "ACS",
                        message: "\(binding) \(acs.location)\(acs == provider.defaultAssertionConsumerService ? " (default)" : "")"))
            }
        }
        if usable == 0 {
            findings.append(Finding(severity: .failure, topic: "ACS", message: "no AssertionConsumerService the bridge can answer"))
        }
        let requests = RequestedAttributes(provider.requestedAttributes)
        findings.append(
            Finding(
                severity: provider.requestedAttributes.isEmpty ? .warning : .pass, topic: "attributes",
                message: provider.requestedAttributes.isEmpty
                    ? "no RequestedAttribute: nothing would be released"
                    : "\(provider.requestedAttributes.count) requested, \(requests.forms.count) known to the bridge"))
        return findings
    }

    static func certificateFinding(_ der: Data, use: String, now: Date) -> Finding {
        let key: SigningPublicKey
        do {
            key = try SigningPublicKey(certificateDER: Array(der))
        } catch {
            return Finding(severity: .failure, topic: "certificate", message: "\(use): unreadable (\(error))")
        }
        var expiry = ""
        var expired = false
        if let certificate = try? Certificate(derEncoded: Array(der)) {
            expiry = ", expires \(SAMLTime.string(certificate.notValidAfter))"
            expired = certificate.notValidAfter <= now
        }
        switch key {
        case .rsa(let rsa):
            let bits = rsa.keySizeInBits
            if bits < minimumRSABits {
                return Finding(severity: .failure, topic: "certificate", message: "\(use): RSA \(bits) bits, below \(minimumRSABits)")
            }
            return Finding(severity: expired ? .warning : .pass, topic: "certificate", message: "\(use): RSA \(bits) bits\(expiry)")
        case .p256:
            return Finding(severity: expired ? .warning : .pass, topic: "certificate", message: "\(use): ECDSA P-256\(expiry)")
        case .sm2:
            return Finding(severity: expired ? .warning : .pass, topic: "certificate", message: "\(use): SM2\(expiry)")
        }
    }

    /// Per purpose: what is released (in the requested form) and what is withheld, with why.
    func releases(_ provider: ServiceProviderMetadata) -> [PurposeRelease] {
        let recipient = policy.recipient(entityID: provider.entityID)
        return policy.purposes.map { purpose in
            let planner = ReleasePlanner(
                purposeAllows: recipient == nil ? [] : Set(purpose.allowedAttributes.map(\.name)),
                requested: provider.requestedAttributes, claimMode: false, minimumAge: purpose.minimumAge)
            let released = GuangdongAttribute.allCases.filter { planner.releasable.contains($0.rawValue) }.map { attribute in
                let form = planner.requests.form(of: attribute)
                return form.name == attribute.rawValue ? attribute.rawValue : "\(attribute.rawValue) as \(form)"
            }
            let withheld =
                recipient == nil
                ? provider.requestedAttributes.map { "\($0.form): not a recipient in the privacy policy" }
                : planner.withheldRequests.map { "\($0.requested): \($0.reason.rawValue) (\($0.reason.explanation))" }
            return PurposeRelease(purposeID: purpose.id, released: released, withheld: withheld)
        }
    }
}
