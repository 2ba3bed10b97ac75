/// Chooses the `AuthnContextClassRef` to assert from what the sign-in
/// actually obtained, under the comparison rules of SAML core §3.3.2.2.1.
///
/// The identity provider's classes form a ladder, weakest first. A sign-in
/// obtains a set of them (every class that is true of it), and the asserted
/// class is always one of those, so an Assertion never claims more than
/// happened. Requested classes the ladder does not know cannot be met.
public struct AuthnContextLadder: Sendable, Hashable {
    /// Known classes, weakest first.
    public var classes: [String]

    public init(classes: [String]) {
        self.classes = classes
    }

    /// The class to assert, or `nil` when no obtained class meets the request
    /// (answer `NoAuthnContext`).
    /// - `exact`: the first requested class (the requester's preference order) that was obtained.
    /// - `minimum`: the strongest obtained class at least as strong as one requested.
    /// - `better`: the strongest obtained class stronger than one requested.
    /// - `maximum`: the strongest obtained class no stronger than one requested.
    /// - no request: the strongest obtained class.
    public func select(requested: AuthnRequest.RequestedAuthnContext?, obtained: Set<String>) -> String? {
        let obtainedRanks = classes.indices.filter { obtained.contains(classes[$0]) }
        guard let requested, !requested.classRefs.isEmpty else {
            return obtainedRanks.last.map { classes[$0] }
        }
        let requestedRanks = requested.classRefs.compactMap { classes.firstIndex(of: $0) }
        guard let weakest = requestedRanks.min(), let strongest = requestedRanks.max() else { return nil }
        let chosen: Int?
        switch requested.comparison {
        case .exact: chosen = requestedRanks.first { obtainedRanks.contains($0) }
        case .minimum: chosen = obtainedRanks.last { $0 >= weakest }
        case .better: chosen = obtainedRanks.last { $0 > weakest }
        case .maximum: chosen = obtainedRanks.last { $0 <= strongest }
        }
        return chosen.map { classes[$0] }
    }

    /// Whether any sign-in could meet the request: checked before the resident
    /// is sent to sign in, so a request nobody can satisfy is answered at once.
    public func isSatisfiable(_ requested: AuthnRequest.RequestedAuthnContext?) -> Bool {
        select(requested: requested, obtained: Set(classes)) != nil
    }
}
