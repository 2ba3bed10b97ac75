import Testing

@testable import SAMLMapper

/// Every comparison × requested × obtained combination on a three-step
/// ladder, against the rules of SAML core §3.3.2.2.1 written out here
/// independently of the implementation.
@Suite struct AuthnContextLadderTests {
    static let low = "urn:example:ac:low"
    static let mid = "urn:example:ac:mid"
    static let high = "urn:example:ac:high"
    static let unknown = "urn:example:ac:unknown"
    let ladder = AuthnContextLadder(classes: [low, mid, high])

    static let rank = [low: 0, mid: 1, high: 2]

    /// Obtained sets a sign-in can produce: every non-empty subset.
    static let obtainedSets: [Set<String>] = [[low], [mid], [high], [low, mid], [low, high], [mid, high], [low, mid, high]]
    static let requestedLists: [[String]] = [[low], [mid], [high], [low, high], [high, low], [mid, low], [unknown], [unknown, mid]]

    /// The expected choice, spelled out from the specification's wording.
    static func expected(_ comparison: AuthnRequest.RequestedAuthnContext.Comparison, _ requested: [String], _ obtained: Set<String>) -> String? {
        let known = requested.filter { rank[$0] != nil }
        guard !known.isEmpty else { return nil }
        let strongestObtained: ((String) -> Bool) -> String? = { accept in
            obtained.filter(accept).max { rank[$0, default: -1] < rank[$1, default: -1] }
        }
        let floor = known.map { rank[$0, default: 0] }.min() ?? 0
        let ceiling = known.map { rank[$0, default: 0] }.max() ?? 0
        switch comparison {
        case .exact: return known.first { obtained.contains($0) }
        case .minimum: return strongestObtained { rank[$0, default: -1] >= floor }
        case .better: return strongestObtained { rank[$0, default: -1] > floor }
        case .maximum: return strongestObtained { rank[$0, default: 99] <= ceiling }
        }
    }

    @Test(arguments: [AuthnRequest.RequestedAuthnContext.Comparison.exact, .minimum, .better, .maximum])
    func everyCombination(comparison: AuthnRequest.RequestedAuthnContext.Comparison) {
        for requested in Self.requestedLists {
            for obtained in Self.obtainedSets {
                let request = AuthnRequest.RequestedAuthnContext(comparison: comparison, classRefs: requested)
                let chosen = ladder.select(requested: request, obtained: obtained)
                #expect(chosen == Self.expected(comparison, requested, obtained), "\(comparison) \(requested) obtained \(obtained.sorted())")
                if let chosen {
                    #expect(obtained.contains(chosen), "the asserted class is always one that was obtained")
                }
            }
        }
    }

    @Test func noRequestGivesTheStrongestObtained() {
        #expect(ladder.select(requested: nil, obtained: [Self.low]) == Self.low)
        #expect(ladder.select(requested: nil, obtained: [Self.low, Self.mid]) == Self.mid)
        #expect(ladder.select(requested: AuthnRequest.RequestedAuthnContext(classRefs: []), obtained: [Self.high]) == Self.high)
        #expect(ladder.select(requested: nil, obtained: []) == nil)
        #expect(ladder.select(requested: nil, obtained: [Self.unknown]) == nil)
    }

    @Test func satisfiabilityBeforeSignIn() {
        typealias Requested = AuthnRequest.RequestedAuthnContext
        let betterThanStrongest = Requested(comparison: .better, classRefs: [Self.high])
        let unknownOnly = Requested(comparison: .exact, classRefs: [Self.unknown])
        #expect(ladder.isSatisfiable(nil))
        #expect(ladder.isSatisfiable(Requested(comparison: .minimum, classRefs: [Self.high])))
        #expect(ladder.isSatisfiable(betterThanStrongest) == false)
        #expect(ladder.isSatisfiable(unknownOnly) == false)
        #expect(ladder.isSatisfiable(Requested(comparison: .maximum, classRefs: [Self.low])))
    }
}
