/// How strongly this sign-in identifies the resident.
///
/// iAM Smart publishes no assurance flag, so the bridge derives it (see
/// docs/iamsmart.md, "Assurance derivation"):
/// - `level` is `.plus` when the token's `userType` is one of the configured
///   iAM Smart+ values, or the granted scopes include a signing scope
///   (`eidapi_sign`, `eidapi_bulksign`), which iAM Smart grants only to
///   accounts holding a signing certificate; otherwise `.basic`.
/// - `faceRecognitionUsed` is true when `eidapi_fr` was granted for this
///   token, i.e. the resident passed a live face match in this session.
/// - `reauthenticated` is true when the token came from a re-authentication
///   of an existing session and named the same `openID`.
public struct Assurance: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Level: String, Sendable, Hashable, Comparable, CaseIterable, Codable {
        /// iAM Smart: identity card read and liveness face match at registration.
        case basic
        /// iAM Smart+: also holds a recognised digital certificate for signing.
        case plus

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs == .basic && rhs == .plus }
    }

    public var level: Level
    public var faceRecognitionUsed: Bool
    public var reauthenticated: Bool

    public init(level: Level, faceRecognitionUsed: Bool, reauthenticated: Bool = false) {
        self.level = level
        self.faceRecognitionUsed = faceRecognitionUsed
        self.reauthenticated = reauthenticated
    }

    public static let signingScopes: Set<String> = ["eidapi_sign", "eidapi_bulksign"]
    public static let faceRecognitionScope = "eidapi_fr"

    /// The derivation documented above.
    public static func derive(
        userType: String?,
        grantedScopes: [String],
        plusUserTypes: Set<String>,
        reauthenticated: Bool
    ) -> Assurance {
        let scopes = Set(grantedScopes)
        let isPlus = userType.map { plusUserTypes.contains($0) } == true || !scopes.isDisjoint(with: signingScopes)
        return Assurance(
            level: isPlus ? .plus : .basic,
            faceRecognitionUsed: scopes.contains(faceRecognitionScope),
            reauthenticated: reauthenticated
        )
    }

    public func satisfies(_ requirement: AssuranceRequirement) -> Bool {
        level >= requirement.level && (faceRecognitionUsed || !requirement.faceRecognition)
    }

    public var description: String {
        "\(level.rawValue)\(faceRecognitionUsed ? "+fr" : "")\(reauthenticated ? "+reauth" : "")"
    }
}

/// What a purpose needs from a sign-in.
public struct AssuranceRequirement: Sendable, Hashable, CustomStringConvertible {
    public var level: Assurance.Level
    /// A live face match in this session (re-authentication with `eidapi_fr`).
    public var faceRecognition: Bool

    public init(level: Assurance.Level = .basic, faceRecognition: Bool = false) {
        self.level = level
        self.faceRecognition = faceRecognition
    }

    public var description: String { "\(level.rawValue)\(faceRecognition ? "+fr" : "")" }
}
