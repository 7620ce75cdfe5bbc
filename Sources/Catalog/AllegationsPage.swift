import Foundation

/// Renders `allegations.html` from the suppressed report: counts only, never records.
struct AllegationsPage {
    var report: AllegationsReport?
    var productNames: [String: String]
    var layout: PageLayout

    /// The quarter-by-finding stacked chart, shared with the index page.
    static func quarterChart(_ report: AllegationsReport, words: SiteWords) -> String {
        let table = report.byQuarterAndFinding
        return Charts.bars(id: "chart-allegations", title: words.allegationsByQuarter,
                           description: words.allegationsByQuarterDescription,
                           bars: zip(table.rowLabels, table.cells).map { Charts.Bar(label: $0, segments: $1.map(\.count)) },
                           rowHeading: words.quarter, seriesNames: table.columnLabels,
                           tableCaption: words.allegationsByQuarter, detailsLabel: words.chartData,
                           suppressedWord: words.suppressed)
    }

    private static func value(_ count: PublishedCount, _ words: SiteWords) -> String {
        count.count.map(String.init) ?? "<span class=\"suppressed\">\(words.suppressed)</span>"
    }

    /// A cross table with its totals; suppressed counts read "suppressed". Shared with the annual reports.
    static func cross(_ table: CrossTable, caption: String, rowHeading: String, words: SiteWords) -> String {
        var rows = zip(table.rowLabels, zip(table.cells, table.rowTotals)).map { label, pair in
            [HTML.escape(label)] + pair.0.map { value($0, words) } + [value(pair.1, words)]
        }
        rows.append(["<strong>\(words.total)</strong>"] + table.columnTotals.map { value($0, words) } + [value(table.grandTotal, words)])
        return Markup.table(caption: caption, headers: [rowHeading] + table.columnLabels.map(HTML.escape) + [words.total],
                            rows: rows, className: "numbers")
    }

    /// A list of counts, with its total row when it has one; shared with the annual reports.
    static func list(_ list: CountList, caption: String, heading: String, words: SiteWords,
                     label: (String) -> String = HTML.escape) -> String {
        var rows = zip(list.labels, list.counts).map { [label($0), value($1, words)] }
        if let total = list.total { rows.append(["<strong>\(words.total)</strong>", value(total, words)]) }
        return Markup.table(caption: caption, headers: [heading, words.count], rows: rows, className: "numbers")
    }

    func render() -> String {
        let words = layout.words
        var body = "<h1>\(words.allegationsTitle)</h1>\n<p>\(words.allegationsIntro)</p>\n"
        guard let report else {
            body += "<p>\(words.noAllegations)</p>\n"
            return layout.page(title: words.allegationsTitle, body: body)
        }
        let note = words.suppressionNote.replacingOccurrences(of: "%d", with: String(report.minimumCellSize - 1))
        body += "<p>\(note)</p>\n"
        if let first = report.firstQuarter, let last = report.lastQuarter {
            body += Markup.facts([(words.period, "\(first) – \(last)"),
                                  (words.total, Self.value(report.total, words))])
        }
        body += "<section aria-labelledby=\"h-quarter\"><h2 id=\"h-quarter\">\(words.byQuarterAndFinding)</h2>\n"
        body += Self.quarterChart(report, words: words)
        body += Self.cross(report.byQuarterAndFinding, caption: words.byQuarterAndFinding, rowHeading: words.quarter, words: words)
        body += "</section>\n<section aria-labelledby=\"h-service\"><h2 id=\"h-service\">\(words.byServiceAndFinding)</h2>\n"
        body += Self.cross(report.byServiceAndFinding, caption: words.byServiceAndFinding, rowHeading: words.respondingService, words: words)
        body += "</section>\n<section aria-labelledby=\"h-basis\"><h2 id=\"h-basis\">\(words.byBasis)</h2>\n<p>\(words.basisNote)</p>\n"
        body += Self.list(report.byBasis, caption: words.byBasis, heading: words.basis, words: words)
        body += "</section>\n<section aria-labelledby=\"h-product\"><h2 id=\"h-product\">\(words.byProduct)</h2>\n"
        body += Self.list(report.byProduct, caption: words.byProduct, heading: words.product, words: words) { id in
            productNames[id].map { "<a href=\"\(layout.toLanguageRoot)\(SitePaths.product(id))\">\(HTML.escape($0))</a>" } ?? HTML.escape(id)
        }
        body += "</section>\n<p><a href=\"\(layout.toSiteRoot)allegations.json\">allegations.json</a></p>\n"
        return layout.page(title: words.allegationsTitle, body: body)
    }
}

/// Renders `verify.html`: how to check approvals with stock OpenSSH, independently of this site.
struct VerifyPage {
    var registry: RegistryInfo
    var layout: PageLayout

    func render() -> String {
        let words = layout.words
        var body = "<h1>\(words.verifyTitle)</h1>\n<p>\(words.verifyIntro)</p>\n<ol class=\"steps\">\n"
        body += "<li><p>\(words.verifyStep1)</p>"
        if registry.allowedSigners != nil {
            body += "<p><a href=\"\(layout.toSiteRoot)reviews/allowed_signers\">allowed_signers</a></p>"
        } else {
            body += "<p>\(words.allowedSignersMissing)</p>"
        }
        body += "</li>\n<li><p>\(words.verifyStep2)</p>"
        body += "<pre tabindex=\"0\"><code>ssh-keygen -Y verify -f allowed_signers -I alice \\\n  -n review@analytics-registry \\\n  -s alice.approval.sig &lt; alice.approval</code></pre></li>\n"
        body += "<li><p>\(words.verifyStep3)</p></li>\n"
        body += "<li><p>\(words.verifyStep4)</p><pre tabindex=\"0\"><code>git ls-tree -r --full-tree COMMIT Products/PRODUCT-ID \\\n"
        body += "  | while read -r mode type blob path; do\n"
        body += "      printf '%s %s %s\\n' \"$mode\" \"$(git cat-file blob \"$blob\" | sha256sum | cut -d' ' -f1)\" \"${path#Products/PRODUCT-ID/}\"\n"
        body += "    done | LC_ALL=C sort -k3 | sha256sum</code></pre></li>\n</ol>\n"
        if let repository = registry.repositoryURL {
            body += "<p>\(words.repository): \(HTML.outsideLink(repository))</p>\n"
        }
        return layout.page(title: words.verifyTitle, body: body)
    }
}
