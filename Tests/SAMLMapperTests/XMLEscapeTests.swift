import Foundation
import Testing

@testable import SAMLMapper

/// The byte-level escaper against the rule written scalar by scalar, on the
/// characters that matter and on random mixtures of them.
@Suite struct XMLEscapeTests {
    /// The rule as XML 1.0 states it, one scalar at a time.
    static func reference(_ s: String, attribute: Bool) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">" where !attribute: out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\r": out += "&#xD;"
            case "\n" where attribute: out += "&#xA;"
            case "\t" where attribute: out += "&#x9;"
            default: out.unicodeScalars.append(XMLBuilder.isXMLChar(scalar) ? scalar : "\u{FFFD}")
            }
        }
        return out
    }

    static let alphabet: [String] = [
        "a", "Z", "0", "+", "/", "=", "&", "<", ">", "\"", "'", "\t", "\n", "\r", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}",
        "\u{FFFD}", "\u{FFFE}", "\u{FFFF}", "\u{EFBF}", "\u{E000}", "陳", "大", "文", "\u{1F600}", "\u{10FFFF}", "]]>",
    ]

    @Test func escapingMatchesTheRuleOnEveryInterestingCharacter() {
        for piece in Self.alphabet {
            let s = "x" + piece + "y"
            #expect(XMLBuilder.escapeText(s) == Self.reference(s, attribute: false), "text \(Array(s.unicodeScalars))")
            #expect(XMLBuilder.escapeAttribute(s) == Self.reference(s, attribute: true), "attribute \(Array(s.unicodeScalars))")
        }
    }

    @Test func escapingMatchesTheRuleOnRandomMixtures() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let s = (0..<Int.random(in: 0...12, using: &generator)).map { _ in Self.alphabet.randomElement(using: &generator) ?? "" }.joined()
            #expect(XMLBuilder.escapeText(s) == Self.reference(s, attribute: false))
            #expect(XMLBuilder.escapeAttribute(s) == Self.reference(s, attribute: true))
        }
    }

    @Test func plainBase64IsReturnedUnchanged() {
        let base64 = Data((0..<3000).map { UInt8($0 % 251) }).base64EncodedString()
        #expect(XMLBuilder.escapeText(base64) == base64)
        #expect(XMLBuilder.escapeAttribute("https://rp.example.cn/acs?a=1") == "https://rp.example.cn/acs?a=1")
    }
}
