import ProductModel

/// Renders `reports/<year>.html`: the year's figures, a chart with its numbers as a table, one row
/// per product, and the year's allegations suppressed like the allegations page.
struct AnnualReportPage {
    var report: AnnualReport
    var layout: PageLayout

    private var words: SiteWords { layout.words }
    private var annual: AnnualWords { layout.language.annualWords }

    /// The site path of a year's report files, relative to a language root (`reports/2026.html`).
    static func path(year: Int, extension name: String = "html") -> String { "reports/\(year).\(name)" }

    func render() -> String {
        let title = "\(annual.title) \(report.year)"
        var body = "<h1>\(title)</h1>\n<p>\(annual.intro)</p>\n"
        let period = "\(report.periodStart.description) – \(report.periodEnd.description)"
            + (report.complete ? "" : " (\(annual.yearUnderWay))")
        body += Markup.facts([(annual.period, period)])
        body += "<p class=\"note\">\(annual.checksNote)</p>\n"
        let totals = report.totals
        let figures: [(String, Int)] = [
            (annual.productsInUse, totals.productsInUse), (annual.enteredUse, totals.enteredUse),
            (annual.leftUse, totals.leftUse), (annual.versionsRegistered, totals.versionsRegistered),
            (annual.productsRemoved, totals.productsRemoved), (annual.approvalsGranted, totals.approvalsGranted),
            (annual.approvalStatements, totals.approvalStatements),
            (annual.approvalsLapsed, totals.approvalsLapsed), (annual.approvalsRevoked, totals.approvalsRevoked),
            (annual.rejections, totals.rejections), (annual.checksRun, totals.checksRun),
            (annual.checksFailed, totals.checksFailed), (annual.reviewsOverdue, totals.reviewsOverdue),
            (annual.usingDemographics, totals.productsUsingDemographicFields),
        ]
        body += "<section aria-labelledby=\"h-figures\"><h2 id=\"h-figures\">\(annual.figures)</h2>\n"
        body += Charts.bars(id: "chart-year", title: annual.figures, description: annual.figuresDescription,
                            bars: figures.map { Charts.Bar(label: $0.0, segments: [$0.1]) },
                            rowHeading: annual.figure, seriesNames: [annual.count], tableCaption: annual.figures,
                            detailsLabel: words.chartData, suppressedWord: words.suppressed)
        body += "</section>\n"
        body += productsSection()
        body += allegationsSection()
        body += "<p><a href=\"\(layout.toSiteRoot)\(Self.path(year: report.year, extension: "json"))\">\(report.year).json</a> · "
        body += "<a href=\"\(layout.toSiteRoot)\(Self.path(year: report.year, extension: "csv"))\">\(report.year).csv</a></p>\n"
        return layout.page(title: title, body: body)
    }

    private func productsSection() -> String {
        var out = "<section aria-labelledby=\"h-year-products\"><h2 id=\"h-year-products\">\(words.products)</h2>\n"
        guard !report.products.isEmpty else { return out + "<p>\(words.none)</p></section>\n" }
        func date(_ day: CalendarDate?) -> String { day?.description ?? "—" }
        let rows = report.products.map { row in
            [
                "<a href=\"\(layout.toLanguageRoot)\(SitePaths.product(row.id))\">\(HTML.escape(row.name))</a><br><small>\(HTML.escape(row.id))</small>",
                row.inUse ? words.yes : words.no, date(row.inUseSince), date(row.inUseUntil ?? row.removed),
                row.versionsRegistered.isEmpty ? "0" : HTML.escape(row.versionsRegistered.joined(separator: ", ")),
                String(row.approvalsGranted), row.approvalsLapsed.isEmpty ? "0" : row.approvalsLapsed.map(\.description).joined(separator: ", "),
                String(row.approvalsRevoked + row.rejections), "\(row.checksRun) / \(row.checksFailed)",
                row.reviewOverdueDays == 0 ? "0" : "\(row.reviewOverdueDays) (\(annual.since) \(date(row.reviewOverdueSince)))",
                row.demographicFields.isEmpty ? words.none : HTML.escape(row.demographicFields.joined(separator: ", ")),
            ]
        }
        out += Markup.table(caption: "\(words.products) \(report.year)",
                            headers: [words.product, annual.inUse, annual.enteredUse, annual.leftUse, annual.versionsRegistered,
                                      annual.approvalsGranted, annual.approvalsLapsed, annual.revokedOrRejected,
                                      annual.checksRunFailed, annual.overdueDays, words.demographicFields],
                            rows: rows)
        return out + "</section>\n"
    }

    private func allegationsSection() -> String {
        var out = "<section aria-labelledby=\"h-year-allegations\"><h2 id=\"h-year-allegations\">\(words.allegationsTitle)</h2>\n"
        guard let allegations = report.allegations else { return out + "<p>\(words.noAllegations)</p></section>\n" }
        let note = annual.allegationsNote.replacingOccurrences(of: "%d", with: String(allegations.minimumCellSize - 1))
        out += "<p>\(note.replacingOccurrences(of: "%@", with: "<a href=\"\(layout.toLanguageRoot)allegations.html\">\(words.allegationsTitle)</a>"))</p>\n"
        let year = report.year
        out += AllegationsPage.cross(allegations.byQuarterAndFinding, caption: "\(words.byQuarterAndFinding) \(year)",
                                     rowHeading: words.quarter, words: words)
        out += AllegationsPage.list(allegations.byService, caption: "\(words.respondingService) \(year)",
                                    heading: words.respondingService, words: words)
        out += "<p>\(words.basisNote)</p>\n"
        out += AllegationsPage.list(allegations.byBasis, caption: "\(words.byBasis) \(year)", heading: words.basis, words: words)
        let names = Dictionary(report.products.map { ($0.id, $0.name) }) { first, _ in first }
        out += AllegationsPage.list(allegations.byProduct, caption: "\(words.byProduct) \(year)", heading: words.product,
                                    words: words) { id in
            names[id].map { "<a href=\"\(layout.toLanguageRoot)\(SitePaths.product(id))\">\(HTML.escape($0))</a>" } ?? HTML.escape(id)
        }
        return out + "</section>\n"
    }
}

/// The index page's links to what the catalog keeps of the past: the annual use reports and the
/// pages of products removed from the registry.
struct HistoryLinks {
    /// The years with a report, oldest first.
    var years: [Int]
    /// Removed products: id, name and the day they were removed.
    var removed: [(id: String, name: String, day: String)]

    func section(layout: PageLayout) -> String {
        let annual = layout.language.annualWords
        var out = "<section aria-labelledby=\"h-annual\"><h2 id=\"h-annual\">\(annual.reportsHeading)</h2>\n<ul>"
        for year in years.reversed() {
            out += "<li><a href=\"\(layout.toLanguageRoot)\(AnnualReportPage.path(year: year))\">\(annual.title) \(year)</a></li>"
        }
        out += "</ul></section>\n"
        guard !removed.isEmpty else { return out }
        out += "<section aria-labelledby=\"h-removed\"><h2 id=\"h-removed\">\(annual.removedHeading)</h2>\n<ul>"
        for product in removed {
            out += "<li><a href=\"\(layout.toLanguageRoot)\(SitePaths.product(product.id))\">\(HTML.escape(product.name))</a>"
            out += " (\(HTML.escape(product.id))) · \(annual.removedOn) \(HTML.escape(product.day))</li>"
        }
        return out + "</ul></section>\n"
    }
}

/// The words of the annual reports and removed-product pages, per language.
struct AnnualWords: Sendable, Decodable {
    var title: String
    var intro: String
    var period: String
    var yearUnderWay: String
    var checksNote: String
    var figures: String
    var figuresDescription: String
    var figure: String
    var count: String
    var productsInUse: String
    var inUse: String
    var enteredUse: String
    var leftUse: String
    var versionsRegistered: String
    var productsRemoved: String
    var approvalsGranted: String
    var approvalStatements: String
    var approvalsLapsed: String
    var approvalsRevoked: String
    var rejections: String
    var revokedOrRejected: String
    var checksRun: String
    var checksFailed: String
    var checksRunFailed: String
    var reviewsOverdue: String
    var overdueDays: String
    var since: String
    var usingDemographics: String
    var reportsHeading: String
    var removedHeading: String
    var removedOn: String
    var removedTitle: String
    var removedIntro: String
    var removedBy: String
    var lastApprovedVersion: String
    var neverApproved: String
    var productFeed: String
    var allegationsNote: String
}
