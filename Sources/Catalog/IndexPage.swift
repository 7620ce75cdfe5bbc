import ProductModel

/// A pre-rendered subset of the product list, so filtering works without JavaScript.
struct ProductFilter: Sendable {
    /// The page path relative to a language root (`products-status-in-use.html`).
    var path: String
    var label: @Sendable (SiteWords) -> String
    var matches: @Sendable (RenderedProduct.ListFacts) -> Bool

    /// Every filter page, in the order they are listed.
    static let all: [(group: @Sendable (SiteWords) -> String, filters: [ProductFilter])] = [
        ({ $0.byStatus }, ProductStatus.allCases.map { status in
            ProductFilter(path: "products-status-\(status.rawValue).html", label: { $0.statusName(status) },
                          matches: { $0.status == status })
        }),
        ({ $0.byApproval }, ApprovalState.allCases.map { state in
            ProductFilter(path: "products-state-\(state.rawValue).html", label: { $0.stateName(state) },
                          matches: { $0.approvalState == state })
        }),
        ({ $0.byDemographics }, [
            ProductFilter(path: "products-demographic-yes.html", label: { $0.usesDemographics },
                          matches: { $0.usesDemographics }),
            ProductFilter(path: "products-demographic-no.html", label: { $0.noDemographics },
                          matches: { !$0.usesDemographics }),
        ]),
    ]
}

/// The figures at the top of the index.
struct KeyIndicators {
    var inUse: Int
    var inUseApproved: Int
    var inUseDemographic: Int
    var overdue: Int
    var failing: Int
    var allegations: PublishedCount?

    init(products: [RenderedProduct.ListFacts], report: AllegationsReport?) {
        let active = products.filter { $0.status == .inUse }
        inUse = active.count
        inUseApproved = active.filter { $0.approvalState == .approved }.count
        inUseDemographic = active.filter(\.usesDemographics).count
        overdue = products.filter(\.reviewOverdue).count
        failing = products.filter(\.checkFailing).count
        allegations = report?.total
    }
}

/// Renders `index.html` and the filter pages.
struct IndexPage {
    var products: [RenderedProduct]
    /// Each product's table row, rendered once per language and shared by every list page.
    var rows: [String: String]
    var asOf: CalendarDate
    var report: AllegationsReport?
    /// The ids each filter page lists, computed once per build.
    var matches: [String: [String]]
    /// The annual reports and removed products to link to, when the build had the registry's history.
    var historyLinks: HistoryLinks?

    init(products: [RenderedProduct], rows: [String: String], asOf: CalendarDate, report: AllegationsReport?,
         matches: [String: [String]]) {
        self.products = products; self.rows = rows; self.asOf = asOf; self.report = report; self.matches = matches
    }

    /// The ids of the products each filter selects, keyed by filter path.
    static func matches(_ products: [RenderedProduct]) -> [String: [String]] {
        var matches: [String: [String]] = [:]
        for group in ProductFilter.all {
            for filter in group.filters {
                matches[filter.path] = products.indices.filter { filter.matches(products[$0].facts) }.map { products[$0].id }
            }
        }
        return matches
    }

    /// One `<tr>` for a product, with `data-` attributes the optional script filters on.
    static func row(_ product: PublicProduct, language: SiteLanguage, toLanguageRoot: String, asOf: CalendarDate) -> String {
        let words = language.words
        let name = product.name(in: language)
        let search = [name, product.id, product.summary(in: language) ?? ""].joined(separator: " ").lowercased()
        let check: String
        if let latest = product.latestCheck {
            check = latest.passed ? words.passed : "<strong class=\"flag\">\(words.failed)</strong>"
        } else {
            check = words.notChecked
        }
        let due = product.reviewDue.description
            + (product.reviewOverdue(asOf: asOf) ? " <strong class=\"flag\">(\(words.overdue))</strong>" : "")
        let demographics = product.demographicFields.isEmpty
            ? words.none : HTML.escape(product.demographicFields.map(\.field).joined(separator: ", "))
        return "<tr data-status=\"\(product.status.rawValue)\" data-state=\"\(product.approvalState.rawValue)\" data-search=\"\(HTML.escape(search))\">"
            + "<th scope=\"row\"><a href=\"\(toLanguageRoot)\(SitePaths.product(product.id))\">\(HTML.escape(name))</a><br><small>\(HTML.escape(product.id))</small></th>"
            + "<td>\(words.statusName(product.status))</td>"
            + "<td><span class=\"state state-\(product.approvalState.rawValue)\">\(words.stateName(product.approvalState))</span></td>"
            + "<td>\(demographics)</td><td>\(check)</td><td>\(due)</td></tr>\n"
    }

    private func table(_ subset: [String], words: SiteWords) -> String {
        var out = "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"\(words.productsCaption)\"><table id=\"product-table\"><caption>\(words.productsCaption) (\(words.showing) \(subset.count))</caption><thead><tr>"
        for header in [words.product, words.status, words.approval, words.demographicFields, words.lastCheck, words.reviewDue] {
            out += "<th scope=\"col\">\(header)</th>"
        }
        out += "</tr></thead><tbody>\n"
        for id in subset { out += rows[id] ?? "" }
        out += "</tbody></table></div>\n"
        return out
    }

    private func filterNavigation(layout: PageLayout, current: String?) -> String {
        let words = layout.words
        var out = "<nav class=\"filters\" aria-labelledby=\"h-filters\"><h2 id=\"h-filters\">\(words.filters)</h2>\n"
        let allCurrent = current == nil ? " aria-current=\"page\"" : ""
        out += "<p><a href=\"\(layout.toLanguageRoot)index.html\"\(allCurrent)>\(words.all) (\(products.count))</a></p>\n"
        for group in ProductFilter.all {
            out += "<h3>\(group.group(words))</h3><ul>"
            for filter in group.filters {
                let count = matches[filter.path]?.count ?? 0
                let mark = filter.path == current ? " aria-current=\"page\"" : ""
                out += "<li><a href=\"\(layout.toLanguageRoot)\(filter.path)\"\(mark)>\(filter.label(words)) (\(count))</a></li>"
            }
            out += "</ul>\n"
        }
        out += "</nav>\n"
        return out
    }

    private func searchForm(words: SiteWords) -> String {
        // Hidden until the script runs: without JavaScript the filter pages do the job.
        "<form class=\"search\" role=\"search\" hidden><label for=\"product-search\">\(words.searchLabel)</label> "
            + "<input id=\"product-search\" type=\"search\"></form>\n"
    }

    /// The main index: indicators, charts, filters, the full list and the data links.
    func renderIndex(layout: PageLayout, registry: RegistryInfo) -> String {
        let words = layout.words
        let indicators = KeyIndicators(products: products.map(\.facts), report: report)
        var body = "<h1>\(registry.title(in: layout.language).inline)</h1>\n"
        body += "<section aria-labelledby=\"h-indicators\"><h2 id=\"h-indicators\">\(words.keyIndicators)"
        body += " <small>(\(words.asOf) \(asOf.description))</small>"
        body += "</h2>\n<ul class=\"indicators\">"
        func indicator(_ value: String, _ label: String) -> String {
            "<li><span class=\"indicator-value\">\(value)</span> <span class=\"indicator-label\">\(label)</span></li>"
        }
        body += indicator(String(indicators.inUse), words.productsInUse)
        body += indicator(HTML.percent(indicators.inUseApproved, of: indicators.inUse, undefined: words.undefined), words.approvedUnchanged)
        body += indicator(HTML.percent(indicators.inUseDemographic, of: indicators.inUse, undefined: words.undefined), words.usingDemographics)
        body += indicator(String(indicators.overdue), words.reviewsOverdue)
        body += indicator(String(indicators.failing), words.checksFailing)
        if let allegations = indicators.allegations {
            body += indicator(allegations.count.map(String.init) ?? words.suppressed,
                              "<a href=\"\(layout.toLanguageRoot)allegations.html\">\(words.allegationsReceived)</a>")
        }
        body += "</ul></section>\n"
        body += "<section aria-labelledby=\"h-charts\"><h2 id=\"h-charts\">\(words.summaryCharts)</h2>\n"
        body += Charts.bars(id: "chart-states", title: words.productsByState, description: words.productsByStateDescription,
                            bars: ApprovalState.allCases.map { state in
                                Charts.Bar(label: words.stateName(state), segments: [products.filter { $0.facts.approvalState == state }.count])
                            },
                            rowHeading: words.approval, seriesNames: [words.products], tableCaption: words.productsByState,
                            detailsLabel: words.chartData, suppressedWord: words.suppressed)
        if let report {
            body += AllegationsPage.quarterChart(report, words: words)
        }
        body += "</section>\n"
        body += filterNavigation(layout: layout, current: nil)
        body += "<section aria-labelledby=\"h-products\"><h2 id=\"h-products\">\(words.products)</h2>\n"
        body += searchForm(words: words)
        body += table(products.map(\.id), words: words)
        body += "</section>\n"
        body += historyLinks?.section(layout: layout) ?? ""
        body += "<section aria-labelledby=\"data\"><h2 id=\"data\" tabindex=\"-1\">\(words.dataTitle)</h2><ul>"
        for (href, label) in [("catalog.json", "catalog.json"), ("schemas/catalog.schema.json", "catalog.schema.json"),
                              ("catalog.csv", "catalog.csv"), ("feed.xml", "Atom feed.xml"), ("allegations.json", "allegations.json"),
                              ("exports/algoritmeregister-1.0.json", "Algoritmeregister 1.0 (NL)"),
                              ("exports/uk-atrs.json", "Algorithmic Transparency Recording Standard (UK)"),
                              ("exports/nyc-local-law-35.csv", "NYC Local Law 35 (CSV)")] {
            if href == "allegations.json" && report == nil { continue }
            body += "<li><a href=\"\(layout.toSiteRoot)\(href)\">\(label)</a></li>"
        }
        body += "</ul></section>\n"
        return layout.page(title: words.products, body: body, script: true)
    }

    /// One filter page listing the matching products.
    func renderFilter(_ filter: ProductFilter, layout: PageLayout) -> String {
        let words = layout.words
        let subset = matches[filter.path] ?? []
        var body = "<h1>\(words.filterPageTitle): \(filter.label(words))</h1>\n"
        body += filterNavigation(layout: layout, current: filter.path)
        body += "<section aria-labelledby=\"h-products\"><h2 id=\"h-products\">\(words.products)</h2>\n"
        body += searchForm(words: words)
        body += table(subset, words: words)
        body += "</section>\n"
        return layout.page(title: "\(words.filterPageTitle): \(filter.label(words))", body: body, script: true)
    }
}
