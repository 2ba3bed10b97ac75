import Foundation
import Testing

@testable import SAMLMapper

/// The arithmetic writer of SAML instants against Foundation's ISO 8601
/// format style, which it stands in for.
@Suite struct SAMLTimeTests {
    static let reference = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    /// Day, month, year and leap-year boundaries, the ends of the range, and
    /// instants just before whole seconds, where rounding would show.
    static let edges: [TimeInterval] = [
        0, 0.001, 0.999, 0.9999, 59.9995, 86_399.999, 86_400, 951_782_400, 951_868_799.999, 951_868_800, 1_709_164_800,
        1_735_689_599.999, 4_107_456_000, 4_102_444_800, 253_402_300_799.999, 1_795_651_200.123, 1_795_651_200.1235,
    ]

    @Test(arguments: edges)
    func edgeInstantsMatchTheFormatStyle(_ seconds: TimeInterval) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(SAMLTime.string(date) == Self.reference.format(date))
    }

    @Test func randomInstantsMatchTheFormatStyle() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: 0..<253_402_300_800, using: &generator))
            #expect(SAMLTime.string(date) == Self.reference.format(date), "\(date.timeIntervalSince1970)")
        }
        // Around now, where every message's instants lie, with millisecond detail.
        let now = Date().timeIntervalSince1970
        for _ in 0..<20_000 {
            let date = Date(timeIntervalSince1970: now + Double.random(in: -1e8...1e8, using: &generator))
            #expect(SAMLTime.string(date) == Self.reference.format(date), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func instantsOutsideTheFastRangeStillFormatAndReadBack() {
        for seconds in [-1.5, -86_400.0 * 365 * 100, 253_402_300_800.0] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(SAMLTime.string(date) == Self.reference.format(date))
        }
        let now = Date(timeIntervalSince1970: 1_795_651_200.25)
        #expect(SAMLTime.date(SAMLTime.string(now)) == now)
    }
}
