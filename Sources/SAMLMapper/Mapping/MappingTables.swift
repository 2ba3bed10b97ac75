import Crypto
import Foundation

/// Operator-configured inputs of the mapping: code tables whose values the
/// Guangdong platform has not published, and the pseudonym secret.
public struct MappingTables: Sendable {
    /// Secret for the pairwise identifier; at least 32 bytes. Kept as bytes
    /// because `SymmetricKey` is not `Sendable` in this swift-crypto release.
    private var pseudonymSecretBytes: Data
    public var pseudonymSecret: SymmetricKey {
        get { SymmetricKey(data: pseudonymSecretBytes) }
        set { pseudonymSecretBytes = newValue.withUnsafeBytes { Data($0) } }
    }
    /// Scope of the `pairwise-id` attribute, e.g. `bridge.example.hk`.
    public var pairwiseScope: String
    /// `realtype` code naming iAM Smart as the real-name verification source.
    public var realTypeCode: String
    /// `creditable_level_of_account` per assurance. Keys are `basic`, `plus`,
    /// and optionally `basic+fr` / `plus+fr` for sign-ins that used face
    /// recognition (falling back to the plain level when absent).
    public var creditableLevels: [String: String]
    /// `idcardtype` codes by document (`hkid`, `hrp`, …).
    public var idCardTypeCodes: [String: String]

    public init(
        pseudonymSecret: SymmetricKey,
        pairwiseScope: String,
        realTypeCode: String,
        creditableLevels: [String: String],
        idCardTypeCodes: [String: String] = [:]
    ) {
        self.pseudonymSecretBytes = pseudonymSecret.withUnsafeBytes { Data($0) }
        self.pairwiseScope = pairwiseScope
        self.realTypeCode = realTypeCode
        self.creditableLevels = creditableLevels
        self.idCardTypeCodes = idCardTypeCodes
    }

    /// The configured level for this assurance, preferring the `+fr` entry
    /// when face recognition was used.
    public func creditableLevel(for assurance: AssuranceLevel, faceRecognitionUsed: Bool) -> String? {
        if faceRecognitionUsed, let level = creditableLevels["\(assurance.rawValue)+fr"] {
            return level
        }
        return creditableLevels[assurance.rawValue]
    }
}
