import IAMSmart
import SAMLMapper

/// The authentication context classes the bridge asserts, weakest first.
///
/// Each names a fact about this sign-in, so an Assertion claims only what
/// iAM Smart delivered: any iAM Smart account; an iAM Smart+ account (it
/// holds a signing certificate); a live face match in this sign-in
/// (`eidapi_fr`, on either account type). The order is the strength of the
/// authentication event, which is what a relying party's comparison asks.
enum AuthnContextClass: String, CaseIterable, Sendable, Codable {
    case iamSmart = "urn:federation-bridge:ac:iamsmart"
    case iamSmartPlus = "urn:federation-bridge:ac:iamsmart-plus"
    case faceVerified = "urn:federation-bridge:ac:iamsmart-face"

    static let ladder = AuthnContextLadder(classes: allCases.map(\.rawValue))

    /// Every class that is true of a sign-in with `assurance`.
    static func obtained(by assurance: Assurance) -> Set<AuthnContextClass> {
        var classes: Set<AuthnContextClass> = [.iamSmart]
        if assurance.level == .plus { classes.insert(.iamSmartPlus) }
        if assurance.faceRecognitionUsed { classes.insert(.faceVerified) }
        return classes
    }

    /// The class to assert for `assurance` under the relying party's request,
    /// or `nil` when the sign-in does not meet it.
    static func asserted(for assurance: Assurance, requested: AuthnRequest.RequestedAuthnContext?) -> AuthnContextClass? {
        ladder.select(requested: requested, obtained: Set(obtained(by: assurance).map(\.rawValue))).flatMap(Self.init(rawValue:))
    }
}
