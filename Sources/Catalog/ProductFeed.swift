import ProductModel

/// The feed entries that need the public's attention, beyond new versions and approvals: failing
/// checks, lapsed approvals, overdue reviews and removals. Each entry's id names the event's own
/// fact (the commit checked, the review date passed, the removing commit), so a feed reader sees
/// it once however often the catalog is rebuilt.
extension AtomFeed {
    /// A product's standing events at the as-of day.
    static func events(_ product: PublicProduct, idBase: String, asOf: CalendarDate) -> [Entry] {
        var entries: [Entry] = []
        let prefix = idBase + product.id
        if product.status != .retired, let check = product.latestCheck, !check.passed {
            let errors = check.findings.filter { $0.severity == .error }.count
            entries.append(Entry(id: "\(prefix)/check-failed/\(check.commit)", date: check.commitDate,
                                 title: "Check failing: \(product.name) \(product.version)", productID: product.id,
                                 summary: "The policy check of version \(product.version) failed with \(errors) error finding(s)."))
        }
        if product.reviewOverdue(asOf: asOf) {
            let passed = CalendarDate(dayNumber: product.reviewDue.dayNumber + 1).description + "T00:00:00Z"
            entries.append(Entry(id: "\(prefix)/review-overdue/\(product.reviewDue)", date: passed,
                                 title: "Review overdue: \(product.name) (due \(product.reviewDue))", productID: product.id,
                                 summary: "The board review due on \(product.reviewDue) has not taken place."))
            if product.approvalState == .lapsed {
                entries.append(Entry(id: "\(prefix)/lapsed/\(product.reviewDue)", date: passed,
                                     title: "Approval lapsed: \(product.name) \(product.version)", productID: product.id,
                                     summary: "The approval no longer counts: its board review date \(product.reviewDue) has passed."))
            }
        }
        return entries
    }

    /// A removed product's entries: its versions and its removal.
    static func entries(removed product: ProductUse, idBase: String) -> [Entry] {
        let present = product.versions.filter { !$0.removed }.reversed().map { version in
            (version.commit, version.date, version.version, version.message,
             version.changes.contains { $0.keyPath == "status" && $0.after == ProductStatus.retired.rawValue })
        }
        var entries = versionEntries(present, id: product.id, name: product.name, idBase: idBase)
        if let removal = product.removingVersion {
            entries.append(Entry(id: "\(idBase)\(product.id)/removed/\(removal.commit)", date: removal.date,
                                 title: "Removed: \(product.name)", productID: product.id,
                                 summary: "Removed from the registry by \(removal.author): \(removal.message)"))
        }
        return entries
    }
}

/// Renders the page a removed product keeps at its old address (`products/<id>.html`): when and by
/// whom it was removed, its last approved version and its history.
struct RemovedProductPage {
    var product: ProductUse
    var layout: PageLayout

    func render() -> String {
        let words = layout.words
        let annual = layout.language.annualWords
        var body = "<h1>\(HTML.escape(product.name)) <small>(\(annual.removedTitle))</small></h1>\n<p>\(annual.removedIntro)</p>\n"
        var facts = [(words.id, Markup.code(product.id))]
        if let removal = product.removingVersion {
            facts += [(annual.removedOn, HTML.escape(removal.date)), (words.commit, Markup.code(removal.commit)),
                      (annual.removedBy, HTML.escape(removal.author)), (words.summary, HTML.escape(removal.message))]
        }
        facts.append((annual.lastApprovedVersion, product.removal?.lastApprovedVersion.map(HTML.escape) ?? annual.neverApproved))
        body += "<section aria-labelledby=\"h-facts\"><h2 id=\"h-facts\">\(words.facts)</h2>\n\(Markup.facts(facts))</section>\n"
        let rows = product.versions.map { version in
            [HTML.escape(version.date), version.removed ? annual.removedTitle : HTML.escape(version.version),
             Markup.code(version.commit), HTML.escape(version.message)]
        }
        body += "<section aria-labelledby=\"h-history\"><h2 id=\"h-history\">\(words.history)</h2>\n"
        body += Markup.table(caption: words.history, headers: [words.date, words.version, words.commit, words.summary], rows: rows)
        body += "</section>\n<p><a href=\"\(layout.toSiteRoot)\(SitePaths.productFeed(product.id))\">\(annual.productFeed)</a></p>\n"
        return layout.page(title: "\(product.name) (\(annual.removedTitle))", body: body, feed: SitePaths.productFeed(product.id))
    }
}
