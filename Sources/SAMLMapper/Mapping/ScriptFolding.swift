import Foundation

/// Text normalisation shared by the Simplified-script attribute and claim matching.
///
/// Conversion uses ICU's `Hant-Hans` transliterator through Foundation's
/// `applyingTransform`, which is available in the Linux toolchain as well as
/// on Apple platforms (checked by the mapping tests with names such as
/// 陳、鄭、劉、黃). ICU converts character by character; ambiguous one-to-many
/// cases are rare in personal names, and the registered form is always
/// released next to the converted one.
public enum ScriptFolding {
    /// Simplified-script form of `text`, or `nil` when no transliterator is available.
    public static func simplified(_ text: String) -> String? {
        text.applyingTransform(StringTransform("Hant-Hans"), reverse: false)
    }

    /// Canonical comparison key: NFKC (full-width letters and digits become
    /// ASCII), Simplified script, lowercase, punctuation dropped and runs of
    /// whitespace collapsed to one space.
    public static func comparisonKey(_ text: String) -> String {
        let compatible = text.precomposedStringWithCompatibilityMapping
        let folded = simplified(compatible) ?? compatible
        let lowered = folded.lowercased()
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in lowered.unicodeScalars {
            let properties = scalar.properties
            if properties.isWhitespace || CharacterSet.punctuationCharacters.contains(scalar) {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if pendingSpace {
                scalars.append(" ")
                pendingSpace = false
            }
            scalars.append(scalar)
        }
        return String(scalars)
    }
}
