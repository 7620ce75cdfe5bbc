import Foundation
import ProductModel
import RegistrySupport

/// What a catalog build did.
public struct CatalogBuildSummary: Sendable, Hashable, Codable {
    /// Products in the catalog.
    public var productCount: Int
    /// Product pages rendered and written in this build (both languages).
    public var productPagesWritten: Int
    /// Product pages left as they were because their input digest had not changed.
    public var productPagesUnchanged: Int
    /// Files of the site (pages, data, hosted review files, state) whose bytes this build changed or added.
    public var filesWritten: Int
    /// Files of the site whose bytes were already published and were kept.
    public var filesUnchanged: Int
    /// Every file of the site, relative to the output folder, sorted.
    public var files: [String]
}

/// The settings every page and record of one catalog build shares.
public struct CatalogSite: Sendable {
    /// Who publishes the catalog.
    public let registry: RegistryInfo
    /// The day the catalog speaks for, if any.
    public let asOf: CalendarDate
    /// The board's minimum cell size.
    public let minimumCellSize: Int
    /// The suppressed allegations report, if an allegations file was given.
    public let allegations: AllegationsReport?
    /// The registry's history, for the annual use reports, removed products' pages and feed events;
    /// without it the site has none of these.
    public let history: UseHistory?
    /// The languages the registry adds or rewords in `Languages/<tag>.json`.
    public let registryLanguages: [InterfaceStrings]
    /// The languages pages are written in, English first.
    let languages: [SiteLanguage]
    /// The site-wide part of every product page's digest.
    let pageDigestPrefix: String

    /// Creates the settings of one build.
    public init(registry: RegistryInfo, asOf: CalendarDate, minimumCellSize: Int, allegations: AllegationsReport?,
                history: UseHistory? = nil, registryLanguages: [InterfaceStrings] = []) {
        self.registry = registry; self.asOf = asOf; self.minimumCellSize = minimumCellSize; self.allegations = allegations
        self.history = history
        self.registryLanguages = registryLanguages.sorted { $0.tag < $1.tag }
        languages = SiteLanguage.all(adding: self.registryLanguages)
        pageDigestPrefix = SHA256Hex.of(
            (try? CanonicalJSON.encode([CatalogBuilder.rendererVersion, registry.title, registry.agency, registry.contactEmail,
                                        registry.siteURL ?? "", registry.repositoryURL ?? "",
                                        registry.allowedSigners == nil ? "no-signers" : "signers",
                                        registry.correctionsAddress, registry.localizedHeaderDigestText,
                                        Self.digestText(of: self.registryLanguages)])) ?? Data())
    }

    /// The registry's interface strings as one line for digests: a changed word re-renders every page.
    public var languagesDigestText: String { Self.digestText(of: registryLanguages) }

    private static func digestText(of languages: [InterfaceStrings]) -> String {
        languages.map(\.digestText).joined(separator: "\u{1E}")
    }

    /// The site's address ending in a slash, when known and safe to link.
    var baseURL: String? {
        registry.siteURL.flatMap(HTML.safeLinkTarget).map { $0.hasSuffix("/") ? $0 : $0 + "/" }
    }

    /// Atom ids start here: the site's address when known, else a URN.
    var feedIDBase: String { baseURL ?? "urn:analytics-registry:catalog:" }
}

/// Writes the public catalog: a static site in English and Spanish plus machine-readable data.
///
/// The output depends only on the input value: no clock, no environment, every list sorted, so
/// two builds of the same input are byte-identical. Each product is rendered on its own
/// (`render`) into its pages and a `RenderedProduct`; `assemble` then writes the index pages,
/// data and feeds from those parts. Everything is written into a new folder that replaces the
/// published one in a single step (`CatalogFolder`). A state file (`.catalog-state.json`) records
/// a digest of each product page's input and of its bytes, and a later build reuses pages whose
/// input digest is unchanged and whose bytes still match.
public enum CatalogBuilder {
    /// Changes whenever rendering changes, so pages from an older renderer are never kept.
    public static let rendererVersion = "catalog-renderer/5"

    /// The state file's name inside the output folder.
    public static let stateFileName = ".catalog-state.json"

    /// Builds the catalog into `outputDirectory`, creating it if needed, or replacing the catalog it
    /// holds; with `history`, also the annual use reports and the removed products' pages; with
    /// `registryLanguages`, also pages in the languages they add.
    @discardableResult
    public static func build(_ input: CatalogInput, allegations: AllegationsReport?, history: UseHistory? = nil,
                             registryLanguages: [InterfaceStrings] = [],
                             to outputDirectory: URL) throws(CatalogError) -> CatalogBuildSummary {
        let site = CatalogSite(registry: input.registry, asOf: input.asOf, minimumCellSize: input.minimumCellSize,
                               allegations: allegations, history: history, registryLanguages: registryLanguages)
        let folder = try CatalogFolder(CatalogFolder.resolve(outputDirectory.path))
        try rejectDuplicates(input.products.map(\.id))
        var rendered: [RenderedProduct] = []
        for product in input.products { rendered.append(try render(product, site: site, into: folder)) }
        return try assemble(rendered, site: site, into: folder)
    }

    /// Renders one product: writes its pages and the review files it hosts into the new site unless
    /// the previous site holds them as they would be rendered, and returns its part of every other file.
    ///
    /// Products whose review files lie in their own `Reviews/<id>/` folders, as counted approvals
    /// always do, may be rendered concurrently into the same folder: each writes only its own files.
    public static func render(_ product: CatalogProduct, site: CatalogSite,
                              into folder: CatalogFolder) throws(CatalogError) -> RenderedProduct {
        let published = PublicProduct(product, languages: CatalogLanguages.translated(adding: site.registryLanguages))
        let record = published.canonicalJSON()
        var hosted: [String] = []
        var reviewFiles: [RenderedProduct.ReviewFile] = []
        for approval in product.approvals {
            for (path, text) in [(approval.statementPath, approval.statement), (approval.signaturePath, approval.signature)] {
                guard let sitePath = SitePaths.reviewFile(path) else { throw .unsafeReviewPath(product: product.id, path: path) }
                guard let text else { continue }
                hosted.append(path)
                reviewFiles.append(RenderedProduct.ReviewFile(sitePath: sitePath, text: text))
            }
        }
        reviewFiles.sort { $0.sitePath < $1.sitePath }
        let context = ProductPageContext(
            asOf: site.asOf, hostedReviewFiles: hosted.sorted(), repositoryURL: site.registry.repositoryURL,
            allegations: site.allegations?.count(forProduct: published.id), hasAllegationsReport: site.allegations != nil)
        // The hosted texts are part of the digest: a re-signed statement changes no page, but its file.
        let pageDigest = SHA256Hex.of(site.pageDigestPrefix + record + context.digestText
                                      + reviewFiles.map { "\u{1F}" + $0.sitePath + "\n" + $0.text }.joined())
        var pagesWritten = 0
        if !folder.holdsPages(of: published.id, pageDigest: pageDigest, site: site) {
            let writer = folder.writer
            for language in site.languages {
                let layout = PageLayout(path: SitePaths.product(published.id), language: language, registry: site.registry)
                try writer.write(ProductPage(product: published, context: context, layout: layout).render(), to: layout.filePath,
                                 recordingContent: true)
                pagesWritten += 1
            }
            for file in reviewFiles { try writer.write(file.text, to: file.sitePath) }
        }
        return RenderedProduct(
            id: published.id, pageDigest: pageDigest, record: record, tableRow: CatalogTables.row(published),
            listRows: site.languages.map { IndexPage.row(published, language: $0, toLanguageRoot: "", asOf: site.asOf) },
            names: site.languages.map { published.name(in: $0) },
            facts: RenderedProduct.ListFacts(
                status: published.status, approvalState: published.approvalState,
                usesDemographics: !published.demographicFields.isEmpty, reviewOverdue: published.reviewOverdue(asOf: site.asOf),
                checkFailing: published.status != .retired && published.latestCheck?.passed == false),
            feedEntries: AtomFeed.entries(published, idBase: site.feedIDBase, asOf: site.asOf),
            algoritmeregister: RegisterExports.objectJSON(RegisterExports.algoritmeregister(published, registry: site.registry)),
            ukATRS: RegisterExports.objectJSON(RegisterExports.ukATRS(published, registry: site.registry)),
            nycRow: RegisterExports.nycRow(RegisterExports.nycLocalLaw35(published, registry: site.registry)),
            reviewFiles: reviewFiles, pagesWritten: pagesWritten)
    }

    /// Writes everything but the product pages from the rendered products, records their pages in
    /// the state file and publishes the new site in place of the previous one.
    ///
    /// Products not rendered into this folder (taken from a cache) must have their pages in the
    /// previous site, unchanged.
    @discardableResult
    public static func assemble(_ rendered: [RenderedProduct], site: CatalogSite,
                                into folder: CatalogFolder) throws(CatalogError) -> CatalogBuildSummary {
        try rejectDuplicates(rendered.map(\.id))
        let products = rendered.sorted { $0.id < $1.id }
        let writer = folder.writer
        var state = CatalogBuildState(format: CatalogBuildState.currentFormat, renderer: rendererVersion, pages: [:])
        let held = folder.holdingPages(products.map { ($0.id, $0.pageDigest) }, site: site)
        for product in products where !held.contains(product.id) {
            throw .cannotWrite(path: folder.url.appendingPathComponent(SitePaths.product(product.id)).path,
                               reason: "the page was neither rendered nor found unchanged in the previous site")
        }
        for product in products {
            for language in site.languages {
                let path = language.folder + SitePaths.product(product.id)
                state.pages[path] = folder.page(path).map { CatalogBuildState.Page(input: product.pageDigest, content: $0) }
            }
        }

        let filterMatches = IndexPage.matches(products)
        let present = Set(products.map(\.id))
        // A product removed and later added again is shown by its current page only.
        let removed = (site.history?.removedProducts ?? []).filter { !present.contains($0.id) }
        let reports = site.history.map { AnnualReport.all($0, asOf: site.asOf, allegations: site.allegations) } ?? []
        for (languageIndex, language) in site.languages.enumerated() {
            // Filter pages sit beside the index, so every list page shares one rendering of each row.
            var rows: [String: String] = [:]
            for product in products { rows[product.id] = product.listRows[languageIndex] }
            var index = IndexPage(products: products, rows: rows, asOf: site.asOf, report: site.allegations, matches: filterMatches)
            if site.history != nil {
                index.historyLinks = HistoryLinks(years: reports.map(\.year),
                                                  removed: removed.map { ($0.id, $0.name, String($0.versions.first?.date.prefix(10) ?? "")) })
            }
            let indexLayout = PageLayout(path: "index.html", language: language, registry: site.registry)
            try writer.write(index.renderIndex(layout: indexLayout, registry: site.registry), to: indexLayout.filePath)
            for group in ProductFilter.all {
                for filter in group.filters {
                    let layout = PageLayout(path: filter.path, language: language, registry: site.registry)
                    try writer.write(index.renderFilter(filter, layout: layout), to: layout.filePath)
                }
            }
            let allegationsLayout = PageLayout(path: "allegations.html", language: language, registry: site.registry)
            let names = Dictionary(uniqueKeysWithValues: products.map { ($0.id, $0.names[languageIndex]) })
            try writer.write(AllegationsPage(report: site.allegations, productNames: names, layout: allegationsLayout).render(),
                             to: allegationsLayout.filePath)
            let verifyLayout = PageLayout(path: "verify.html", language: language, registry: site.registry)
            try writer.write(VerifyPage(registry: site.registry, layout: verifyLayout).render(), to: verifyLayout.filePath)
            for report in reports {
                let layout = PageLayout(path: AnnualReportPage.path(year: report.year), language: language, registry: site.registry)
                try writer.write(AnnualReportPage(report: report, layout: layout).render(), to: layout.filePath)
            }
            for product in removed {
                let layout = PageLayout(path: SitePaths.product(product.id), language: language, registry: site.registry)
                try writer.write(RemovedProductPage(product: product, layout: layout).render(), to: layout.filePath)
            }
        }

        try writer.write(SiteAssets.stylesheet, to: "assets/catalog.css")
        try writer.write(SiteAssets.script, to: "assets/catalog.js")
        try writer.write(CatalogSchema.text + "\n", to: "schemas/catalog.schema.json")
        try writer.write(catalogJSON(site, records: products.map(\.record), removed: removed.map { $0.removedRecordJSON() }),
                         to: "catalog.json")
        try writer.write(CatalogTables.csv(products.map(\.tableRow) + removed.map(CatalogTables.row)), to: "catalog.csv")
        let removedEntries = removed.map { AtomFeed.entries(removed: $0, idBase: site.feedIDBase) }
        try writer.write(AtomFeed.render(products.flatMap(\.feedEntries) + removedEntries.joined(), site: site), to: "feed.xml")
        try writer.write(products.map { (SitePaths.productFeed($0.id), AtomFeed.render($0.feedEntries, site: site, product: ($0.id, $0.names[0]))) }
                         + zip(removed, removedEntries).map { (SitePaths.productFeed($0.id), AtomFeed.render($1, site: site, product: ($0.id, $0.name))) })
        for report in reports {
            try writer.write(String(decoding: try encode(report), as: UTF8.self), to: AnnualReportPage.path(year: report.year, extension: "json"))
            try writer.write(report.csv(), to: AnnualReportPage.path(year: report.year, extension: "csv"))
        }
        if let allegations = site.allegations {
            try writer.write(String(decoding: try encode(allegations), as: UTF8.self), to: "allegations.json")
        }
        // Removed products stay in the exports as the standards' withdrawn or retired entries.
        let registry = site.registry
        try writer.write(RegisterExports.json(objects: products.map(\.algoritmeregister) + removed.map {
            RegisterExports.objectJSON(RegisterExports.algoritmeregister(removed: $0, registry: registry))
        }), to: "exports/algoritmeregister-1.0.json")
        try writer.write(RegisterExports.json(objects: products.map(\.ukATRS) + removed.map {
            RegisterExports.objectJSON(RegisterExports.ukATRS(removed: $0, registry: registry))
        }), to: "exports/uk-atrs.json")
        try writer.write(RegisterExports.nycCSV(products.map(\.nycRow) + removed.map {
            RegisterExports.nycRow(RegisterExports.nycLocalLaw35(removed: $0, registry: registry))
        }), to: "exports/nyc-local-law-35.csv")
        // Each rendered product wrote its review files; the others' are taken from the previous
        // site here. A path two products claim is settled with the text of the last product in id order.
        var hosted: [String: String] = [:]
        var claimedTwice = Set<String>()
        for product in products {
            for file in product.reviewFiles where hosted.updateValue(file.text, forKey: file.sitePath) != nil {
                claimedTwice.insert(file.sitePath)
            }
        }
        let staged = folder.siteFiles
        try writer.write(hosted.filter { claimedTwice.contains($0.key) || staged[$0.key] == nil }.map { ($0.key, $0.value) })
        if let signers = site.registry.allowedSigners {
            try writer.write(signers, to: "reviews/allowed_signers")
        }
        try writer.write(state.json(), to: stateFileName)
        try folder.publish()
        let files = folder.siteFiles
        let written = products.reduce(0) { $0 + $1.pagesWritten }
        let filesWritten = files.values.filter { $0 }.count
        return CatalogBuildSummary(productCount: products.count, productPagesWritten: written,
                                   productPagesUnchanged: site.languages.count * products.count - written,
                                   filesWritten: filesWritten, filesUnchanged: files.count - filesWritten, files: files.keys.sorted())
    }

    private static func rejectDuplicates(_ ids: [String]) throws(CatalogError) {
        var seen = Set<String>()
        for id in ids {
            guard seen.insert(id).inserted else { throw .duplicateProduct(id: id) }
        }
    }

    private static func encode<Value: Encodable>(_ value: Value) throws(CatalogError) -> Data {
        do {
            return try CanonicalJSON.encode(value)
        } catch {
            throw .cannotWrite(path: "catalog data", reason: "a value could not be encoded as JSON (\(error))")
        }
    }

    /// `catalog.json`, assembled from the per-product records already written for the digests and
    /// the removed products' records.
    private static func catalogJSON(_ site: CatalogSite, records: [String], removed: [String]) -> String {
        func orNull(_ text: String?) -> String { text.map(CatalogJSONWriter.quoted) ?? "null" }
        var json = CatalogJSONWriter()
        // Several megabytes at a thousand products: written once into one buffer, not joined and copied.
        json.reserveCapacity(records.reduce(records.count + 1024) { $0 + $1.utf8.count })
        json.object { o in
            o.field("agency", site.registry.agency)
            o.field("as_of", site.asOf.description)
            o.field("contact_email", site.registry.contactEmail)
            o.field("corrections_contact", site.registry.correctionsAddress)
            o.field("id", "catalog")
            o.field("minimum_cell_size", site.minimumCellSize)
            o.field("products", rawElements: records)
            o.field("removed_products", rawElements: removed)
            o.field("schema_version", PublicProduct.schemaVersion)
            o.field("site_url", raw: orNull(site.registry.siteURL))
            o.field("title", site.registry.title)
        }
        json.newline()
        return json.text
    }
}
