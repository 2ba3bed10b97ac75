import Foundation

/// An `xs:duration` such as `PT6H` or `P1DT12H`, as metadata's
/// `cacheDuration` writes it. Years count 365 days and months 30: a cache
/// lifetime needs no calendar.
public enum XMLSchemaDuration {
    /// Seconds, or `nil` when `text` is not a non-negative `xs:duration`.
    public static func seconds(_ text: String) -> TimeInterval? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard rest.first == "P" else { return nil }
        rest = rest.dropFirst()
        var total: TimeInterval = 0
        var inTime = false
        var number = ""
        var sawValue = false
        let dateUnits: [Character: TimeInterval] = ["Y": 365 * 86400, "M": 30 * 86400, "D": 86400]
        let timeUnits: [Character: TimeInterval] = ["H": 3600, "M": 60, "S": 1]
        for character in rest {
            if character == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
            } else if character.isASCII, character.isNumber || character == "." {
                number.append(character)
            } else {
                guard let unit = (inTime ? timeUnits : dateUnits)[character], let value = Double(number),
                    character == "S" || !number.contains(".")
                else { return nil }
                total += value * unit
                number = ""
                sawValue = true
            }
        }
        guard number.isEmpty, sawValue else { return nil }
        return total
    }
}
