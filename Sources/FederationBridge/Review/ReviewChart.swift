import Foundation

/// Bar charts drawn on the server as inline SVG.
///
/// Reviewer pages load no scripts and nothing from elsewhere (the content
/// security policy forbids it), so charts are plain markup that prints and
/// archives like the rest of the page. Every bar also carries a `<title>` with
/// its numbers, and every chart a table-free text alternative in `aria-label`.
struct ReviewChart: Sendable {
    /// One bar: transfers stacked under refusals.
    struct Bar: Sendable, Equatable {
        let label: String
        let transfers: Int
        let refusals: Int

        var total: Int { transfers + refusals }
    }

    static let transferColour = "#2e7d32"
    static let refusalColour = "#c62828"

    /// Horizontal stacked bars, one row per label: for recipients, purposes and
    /// failed checks, whose labels are long identifiers.
    static func horizontal(title: String, bars: [Bar], width: Int = 560, language: Language = .english) -> String {
        let words = Words(language)
        let rowHeight = 26
        let labelWidth = 230
        let top = 8
        let height = max(1, bars.count) * rowHeight + top + 24
        let plotWidth = width - labelWidth - 60
        let maximum = max(1, bars.map(\.total).max() ?? 1)
        var svg = header(width: width, height: height, title: title, bars: bars, words: words)
        if bars.isEmpty {
            svg += #"<text x="\#(width / 2)" y="\#(top + 16)" text-anchor="middle" fill="dimgray">\#(escape(words.empty))</text>"#
        }
        for (index, bar) in bars.enumerated() {
            let y = top + index * rowHeight
            let transferWidth = Double(plotWidth) * Double(bar.transfers) / Double(maximum)
            let refusalWidth = Double(plotWidth) * Double(bar.refusals) / Double(maximum)
            svg += #"<text x="\#(labelWidth - 6)" y="\#(y + 16)" text-anchor="end">\#(escape(shorten(bar.label, to: 34)))</text>"#
            svg += "<g>"
            svg += "<title>\(escape(bar.label)): \(bar.transfers) \(words.transferred), \(bar.refusals) \(words.refused)</title>"
            svg += rect(x: Double(labelWidth), y: y + 4, width: transferWidth, height: rowHeight - 8, colour: transferColour)
            svg += rect(x: Double(labelWidth) + transferWidth, y: y + 4, width: refusalWidth, height: rowHeight - 8, colour: refusalColour)
            svg += "</g>"
            svg += #"<text x="\#(format(Double(labelWidth) + transferWidth + refusalWidth + 6))" y="\#(y + 16)">\#(bar.total)</text>"#
        }
        svg += legend(x: labelWidth, y: height - 8, words: words)
        return svg + "</svg>"
    }

    /// Vertical stacked bars along time, oldest on the left.
    static func timeline(title: String, bars: [Bar], width: Int = 1100, height: Int = 240, language: Language = .english) -> String {
        let words = Words(language)
        let left = 44
        let bottom = 46
        let top = 10
        let plotWidth = width - left - 10
        let plotHeight = height - top - bottom
        let maximum = max(1, bars.map(\.total).max() ?? 1)
        var svg = header(width: width, height: height, title: title, bars: bars, words: words)
        // Axis with three gridlines so magnitudes can be read without hovering.
        for step in 0...2 {
            let value = maximum * step / 2
            let y = Double(top + plotHeight) - Double(plotHeight) * Double(value) / Double(maximum)
            svg += #"<line x1="\#(left)" x2="\#(width - 10)" y1="\#(format(y))" y2="\#(format(y))" stroke="gainsboro"/>"#
            svg += #"<text x="\#(left - 4)" y="\#(format(y + 4))" text-anchor="end">\#(value)</text>"#
        }
        if bars.isEmpty {
            svg += #"<text x="\#(width / 2)" y="\#(top + plotHeight / 2)" text-anchor="middle" fill="dimgray">\#(escape(words.empty))</text>"#
        }
        let slot = Double(plotWidth) / Double(max(1, bars.count))
        let barWidth = max(1, slot * 0.7)
        let labelEvery = max(1, Int((Double(bars.count) * 90 / Double(plotWidth)).rounded(.up)))
        for (index, bar) in bars.enumerated() {
            let x = Double(left) + slot * Double(index) + (slot - barWidth) / 2
            let transferHeight = Double(plotHeight) * Double(bar.transfers) / Double(maximum)
            let refusalHeight = Double(plotHeight) * Double(bar.refusals) / Double(maximum)
            let base = Double(top + plotHeight)
            svg += "<g><title>\(escape(bar.label)): \(bar.transfers) \(words.transferred), \(bar.refusals) \(words.refused)</title>"
            svg += rect(x: x, y: base - transferHeight, width: barWidth, height: transferHeight, colour: transferColour)
            svg += rect(x: x, y: base - transferHeight - refusalHeight, width: barWidth, height: refusalHeight, colour: refusalColour)
            svg += "</g>"
            // Every few bars a time label, unless it would run off the right edge.
            if index % labelEvery == 0, x + barWidth / 2 + 36 <= Double(width) {
                svg += #"<text x="\#(format(x + barWidth / 2))" y="\#(top + plotHeight + 14)" text-anchor="middle">\#(escape(bar.label))</text>"#
            }
        }
        svg += legend(x: left, y: height - 8, words: words)
        return svg + "</svg>"
    }

    private static func header(width: Int, height: Int, title: String, bars: [Bar], words: Words) -> String {
        let summary = bars.prefix(20).map { "\($0.label) \($0.transfers) \(words.transferred) \($0.refusals) \(words.refused)" }.joined(
            separator: "; ")
        return
            #"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="\#(width)" height="\#(height)" viewBox="0 0 \#(width) \#(height)" font-family="sans-serif" font-size="12" aria-label="\#(escape(title + ": " + summary))">"#
            + "<title>\(escape(title))</title>"
    }

    private static func legend(x: Int, y: Int, words: Words) -> String {
        rect(x: Double(x), y: y - 10, width: 10, height: 10, colour: transferColour)
            + #"<text x="\#(x + 14)" y="\#(y)">\#(escape(words.transferred))</text>"#
            + rect(x: Double(x + 100), y: y - 10, width: 10, height: 10, colour: refusalColour)
            + #"<text x="\#(x + 114)" y="\#(y)">\#(escape(words.refused))</text>"#
    }

    /// The chart's own words in the page's language.
    struct Words {
        let transferred: String
        let refused: String
        let empty: String

        init(_ language: Language) {
            transferred = ReviewStrings.format("chart.transferred", in: language)
            refused = ReviewStrings.format("chart.refused", in: language)
            empty = ReviewStrings.format("chart.empty", in: language)
        }
    }

    private static func rect(x: Double, y: Int, width: Double, height: Int, colour: String) -> String {
        rect(x: x, y: Double(y), width: width, height: Double(height), colour: colour)
    }

    private static func rect(x: Double, y: Double, width: Double, height: Double, colour: String) -> String {
        guard width > 0, height > 0 else { return "" }
        return #"<rect x="\#(format(x))" y="\#(format(y))" width="\#(format(width))" height="\#(format(height))" fill="\#(colour)"/>"#
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    /// Keeps the distinctive end of long identifiers (entityIDs differ by
    /// host, not by scheme); the bar's `<title>` keeps the full text.
    static func shorten(_ text: String, to length: Int) -> String {
        var text = Substring(text)
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) {
            text = text.dropFirst(scheme.count)
        }
        return text.count <= length ? String(text) : "…" + text.suffix(length - 1)
    }

    /// Escapes text for SVG/XML content and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
