/// Inline SVG charts with a text alternative: a title and description for assistive technology,
/// and the same numbers as a table in a `<details>` beside the chart. Colours come from the
/// stylesheet by class, so no inline style is needed under the Content-Security-Policy.
enum Charts {
    /// One bar of a chart; `segments` stack left to right, `nil` values are suppressed and not drawn.
    struct Bar {
        var label: String
        var segments: [Int?]
    }

    /// A horizontal (optionally stacked) bar chart. Labels are escaped here.
    static func bars(id: String, title: String, description: String, bars: [Bar], rowHeading: String, seriesNames: [String],
                     tableCaption: String, detailsLabel: String, suppressedWord: String) -> String {
        let labelWidth = 160
        let chartWidth = 420
        let rowHeight = 26
        let legendHeight = seriesNames.count > 1 ? 24 : 0
        let height = max(1, bars.count) * rowHeight + legendHeight + 8
        let maximum = max(1, bars.map { $0.segments.reduce(0) { $0 + ($1 ?? 0) } }.max() ?? 1)
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(labelWidth + chartWidth + 60) \(height)\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" focusable=\"false\">"
        svg += "<title id=\"\(id)-title\">\(HTML.escape(title))</title><desc id=\"\(id)-desc\">\(HTML.escape(description))</desc>"
        for (index, bar) in bars.enumerated() {
            let y = index * rowHeight + 4
            svg += "<text class=\"chart-label\" x=\"\(labelWidth - 6)\" y=\(quoted(y + 15)) text-anchor=\"end\">\(HTML.escape(bar.label))</text>"
            var x = labelWidth
            var total = 0
            for (series, value) in bar.segments.enumerated() {
                guard let value, value > 0 else { continue }
                let width = max(1, value * chartWidth / maximum)
                svg += "<rect class=\"series-\(series % 6)\" x=\(quoted(x)) y=\(quoted(y + 3)) width=\(quoted(width)) height=\"18\"></rect>"
                x += width
                total += value
            }
            let allKnown = bar.segments.allSatisfy { $0 != nil }
            svg += "<text class=\"chart-value\" x=\(quoted(x + 4)) y=\(quoted(y + 15))>\(allKnown ? String(total) : "≥\(total)")</text>"
        }
        if seriesNames.count > 1 {
            let y = bars.count * rowHeight + 8
            var x = labelWidth
            for (series, name) in seriesNames.enumerated() {
                svg += "<rect class=\"series-\(series % 6)\" x=\(quoted(x)) y=\(quoted(y)) width=\"12\" height=\"12\"></rect>"
                svg += "<text class=\"chart-legend\" x=\(quoted(x + 16)) y=\(quoted(y + 11))>\(HTML.escape(name))</text>"
                x += 16 + name.count * 7 + 14
            }
        }
        svg += "</svg>"
        let headers = [HTML.escape(rowHeading)] + seriesNames.map(HTML.escape)
        let rows = bars.map { bar in
            [HTML.escape(bar.label)] + bar.segments.map { $0.map(String.init) ?? suppressedWord }
        }
        let table = Markup.table(caption: tableCaption, headers: headers,
                                 rows: rows, className: "numbers")
        return "<figure class=\"chart-figure\">\(svg)<figcaption>\(HTML.escape(title))</figcaption>"
            + "<details><summary>\(detailsLabel)</summary>\(table)</details></figure>\n"
    }

    private static func quoted(_ value: Int) -> String { "\"\(value)\"" }
}
