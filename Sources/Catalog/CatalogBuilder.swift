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
    /// Every file this build wrote or kept, relative to the output folder, sorted.
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
    /// The site-wide part of every product page's digest.
    let pageDigestPrefix: String

    /// Creates the settings of one build.
    public init(registry: RegistryInfo, asOf: CalendarDate, minimumCellSize: Int, allegations: AllegationsReport?) {
        self.registry = registry; self.asOf = asOf; self.minimumCellSize = minimumCellSize; self.allegations = allegations
        pageDigestPrefix = SHA256Hex.of(
            (try? CanonicalJSON.encode([CatalogBuilder.rendererVersion, registry.title, registry.agency, registry.contactEmail,
                                        registry.siteURL ?? "", registry.repositoryURL ?? "",
                                        registry.allowedSigners == nil ? "no-signers" : "signers"])) ?? Data())
    }

    /// The site's address ending in a slash, when known and safe to link.
    var baseURL: String? {
        registry.siteURL.flatMap(HTML.safeLinkTarget).map { $0.hasSuffix("/") ? $0 : $0 + "/" }
    }

    /// Atom ids start here: the site's address when known, else a URN.
    var feedIDBase: String { baseURL ?? "urn:analytics-registry:catalog:" }
}

/// An output folder and the state the previous build left in it.
public struct CatalogFolder: Sendable {
    /// The folder.
    public let url: URL
    let previous: CatalogBuildState?

    /// Reads the previous build's state, if there is one.
    public init(_ url: URL) {
        self.url = url
        previous = SiteWriter(root: url).readState()
    }

    /// Whether the folder holds a product's pages and review files exactly as `pageDigest` renders them.
    public func holdsPages(of id: String, pageDigest: String) -> Bool {
        guard let previous, previous.renderer == CatalogBuilder.rendererVersion else { return false }
        let writer = SiteWriter(root: url)
        return SiteLanguage.allCases.allSatisfy { language in
            let path = language.folder + SitePaths.product(id)
            return previous.pages[path] == pageDigest && writer.keepIfPresent(path)
        }
    }
}

/// Writes the public catalog: a static site in English and Spanish plus machine-readable data.
///
/// The output depends only on the input value: no clock, no environment, every list sorted, so
/// two builds of the same input are byte-identical. Each product is rendered on its own
/// (`render`) into its pages and a `RenderedProduct`; `assemble` then writes the index pages,
/// data and feeds from those parts. A state file (`.catalog-state.json`) records a digest of each
/// product page's input, and a later build into the same folder skips pages whose digest is unchanged.
public enum CatalogBuilder {
    /// Changes whenever rendering changes, so pages from an older renderer are never kept.
    public static let rendererVersion = "catalog-renderer/2"

    /// The state file's name inside the output folder.
    public static let stateFileName = ".catalog-state.json"

    /// Builds the catalog into `outputDirectory`, creating it if needed.
    @discardableResult
    public static func build(_ input: CatalogInput, allegations: AllegationsReport?,
                             to outputDirectory: URL) throws(CatalogError) -> CatalogBuildSummary {
        let site = CatalogSite(registry: input.registry, asOf: input.asOf, minimumCellSize: input.minimumCellSize,
                               allegations: allegations)
        let folder = CatalogFolder(outputDirectory)
        try rejectDuplicates(input.products.map(\.id))
        var rendered: [RenderedProduct] = []
        for product in input.products { rendered.append(try render(product, site: site, into: folder)) }
        return try assemble(rendered, site: site, into: folder)
    }

    /// Renders one product: writes its pages and the review files it hosts unless the folder
    /// already holds them as they would be rendered, and returns its part of every other file.
    ///
    /// Products whose review files lie in their own `Reviews/<id>/` folders, as counted approvals
    /// always do, may be rendered concurrently into the same folder: each writes only its own files.
    public static func render(_ product: CatalogProduct, site: CatalogSite,
                              into folder: CatalogFolder) throws(CatalogError) -> RenderedProduct {
        let published = PublicProduct(product)
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
        if !folder.holdsPages(of: published.id, pageDigest: pageDigest) {
            let writer = SiteWriter(root: folder.url)
            for language in SiteLanguage.allCases {
                let layout = PageLayout(path: SitePaths.product(published.id), language: language, registry: site.registry)
                try writer.write(ProductPage(product: published, context: context, layout: layout).render(), to: layout.filePath)
                pagesWritten += 1
            }
            for file in reviewFiles { try writer.write(file.text, to: file.sitePath) }
        }
        return RenderedProduct(
            id: published.id, pageDigest: pageDigest, record: record, tableRow: CatalogTables.row(published),
            listRows: SiteLanguage.allCases.map { IndexPage.row(published, language: $0, toLanguageRoot: "", asOf: site.asOf) },
            names: SiteLanguage.allCases.map { published.name(in: $0) },
            facts: RenderedProduct.ListFacts(
                status: published.status, approvalState: published.approvalState,
                usesDemographics: !published.demographicFields.isEmpty, reviewOverdue: published.reviewOverdue(asOf: site.asOf),
                checkFailing: published.status != .retired && published.latestCheck?.passed == false),
            feedEntries: AtomFeed.entries(published, idBase: site.feedIDBase),
            algoritmeregister: RegisterExports.objectJSON(RegisterExports.algoritmeregister(published, registry: site.registry)),
            ukATRS: RegisterExports.objectJSON(RegisterExports.ukATRS(published, registry: site.registry)),
            nycRow: RegisterExports.nycRow(RegisterExports.nycLocalLaw35(published, registry: site.registry)),
            reviewFiles: reviewFiles, pagesWritten: pagesWritten)
    }

    /// Writes everything but the product pages from the rendered products, records their pages in
    /// the state file and removes the pages of products no longer listed.
    @discardableResult
    public static func assemble(_ rendered: [RenderedProduct], site: CatalogSite,
                                into folder: CatalogFolder) throws(CatalogError) -> CatalogBuildSummary {
        try rejectDuplicates(rendered.map(\.id))
        let products = rendered.sorted { $0.id < $1.id }
        let writer = SiteWriter(root: folder.url)
        var state = CatalogBuildState(renderer: rendererVersion, pages: [:], reviews: [])
        for product in products {
            for language in SiteLanguage.allCases {
                let path = language.folder + SitePaths.product(product.id)
                guard writer.keepIfPresent(path) else {
                    throw .cannotWrite(path: folder.url.appendingPathComponent(path).path,
                                       reason: "the page disappeared while the catalog was being built")
                }
                state.pages[path] = product.pageDigest
            }
        }
        if let previous = folder.previous {
            for path in previous.pages.keys.sorted() where state.pages[path] == nil { writer.remove(path) }
        }

        let filterMatches = IndexPage.matches(products)
        for (languageIndex, language) in SiteLanguage.allCases.enumerated() {
            // Filter pages sit beside the index, so every list page shares one rendering of each row.
            var rows: [String: String] = [:]
            for product in products { rows[product.id] = product.listRows[languageIndex] }
            let index = IndexPage(products: products, rows: rows, asOf: site.asOf, report: site.allegations, matches: filterMatches)
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
        }

        try writer.write(SiteAssets.stylesheet, to: "assets/catalog.css")
        try writer.write(SiteAssets.script, to: "assets/catalog.js")
        try writer.write(CatalogSchema.text + "\n", to: "schemas/catalog.schema.json")
        try writer.write(catalogJSON(site, records: products.map(\.record)), to: "catalog.json")
        try writer.write(CatalogTables.csv(products.map(\.tableRow)), to: "catalog.csv")
        try writer.write(AtomFeed.render(products.flatMap(\.feedEntries), site: site), to: "feed.xml")
        if let allegations = site.allegations {
            try writer.write(String(decoding: try encode(allegations), as: UTF8.self), to: "allegations.json")
        } else {
            writer.remove("allegations.json")
        }
        try writer.write(RegisterExports.json(objects: products.map(\.algoritmeregister)), to: "exports/algoritmeregister-1.0.json")
        try writer.write(RegisterExports.json(objects: products.map(\.ukATRS)), to: "exports/uk-atrs.json")
        try writer.write(RegisterExports.nycCSV(products.map(\.nycRow)), to: "exports/nyc-local-law-35.csv")
        // Each product wrote its review files, or found them in place, when it was rendered; a path
        // two products claim is settled here, with the text of the last product in id order.
        var hosted: [String: String] = [:]
        var claimedTwice = Set<String>()
        for product in products {
            for file in product.reviewFiles where hosted.updateValue(file.text, forKey: file.sitePath) != nil {
                claimedTwice.insert(file.sitePath)
            }
        }
        for (sitePath, text) in hosted where claimedTwice.contains(sitePath) || !writer.keepIfPresent(sitePath) {
            try writer.write(text, to: sitePath)
        }
        // Statements that no longer count (a changed product, a removed member) leave the site.
        state.reviews = hosted.keys.sorted()
        for path in folder.previous?.reviews ?? [] where hosted[path] == nil { writer.remove(path) }
        if let signers = site.registry.allowedSigners {
            try writer.write(signers, to: "reviews/allowed_signers")
        } else {
            writer.remove("reviews/allowed_signers")
        }
        try writer.write(state.json(), to: stateFileName)
        let written = products.reduce(0) { $0 + $1.pagesWritten }
        return CatalogBuildSummary(productCount: products.count, productPagesWritten: written,
                                   productPagesUnchanged: SiteLanguage.allCases.count * products.count - written, files: writer.files.sorted())
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

    /// `catalog.json`, assembled from the per-product records already written for the digests.
    private static func catalogJSON(_ site: CatalogSite, records: [String]) -> String {
        func orNull(_ text: String?) -> String { text.map(CatalogJSONWriter.quoted) ?? "null" }
        var json = CatalogJSONWriter()
        // Several megabytes at a thousand products: written once into one buffer, not joined and copied.
        json.reserveCapacity(records.reduce(records.count + 1024) { $0 + $1.utf8.count })
        json.object { o in
            o.field("agency", site.registry.agency)
            o.field("as_of", site.asOf.description)
            o.field("contact_email", site.registry.contactEmail)
            o.field("id", "catalog")
            o.field("minimum_cell_size", site.minimumCellSize)
            o.field("products", rawElements: records)
            o.field("schema_version", PublicProduct.schemaVersion)
            o.field("site_url", raw: orNull(site.registry.siteURL))
            o.field("title", site.registry.title)
        }
        json.newline()
        return json.text
    }
}

/// What the previous build rendered, kept in the output folder for incremental rebuilds.
struct CatalogBuildState: Codable {
    var renderer: String
    /// Page path → SHA-256 of the page's input.
    var pages: [String: String]
    /// The review files the site hosts, by site path.
    var reviews: [String]

    /// The state as JSON with sorted keys.
    func json() -> String {
        var json = CatalogJSONWriter()
        json.object { o in
            o.field("pages") { o in for path in pages.keys.sorted() { o.field(path, pages[path]) } }
            o.field("renderer", renderer)
            o.field("reviews", strings: reviews)
        }
        return json.text + "\n"
    }
}

/// Writes files below the output folder, creating folders as needed, and remembers what the site holds.
///
/// Writes go through POSIX calls to a temporary name and a rename: Foundation's `Data.write` costs
/// several times more per file, which dominates a build of thousands of pages.
final class SiteWriter {
    private let rootPath: String
    private(set) var files = Set<String>()

    init(root: URL) { rootPath = root.path }

    /// Joined as text: `URL.appendingPathComponent` costs more than the check it serves.
    private func path(_ relative: String) -> String { rootPath.hasSuffix("/") ? rootPath + relative : rootPath + "/" + relative }

    /// Whether a previous build left this file, which then stays part of the site.
    func keepIfPresent(_ relative: String) -> Bool {
        var status = stat()
        guard stat(path(relative), &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return false }
        files.insert(relative)
        return true
    }

    /// Writes a file unless it already holds exactly these bytes: creating files is the slowest
    /// part of a rebuild on most file systems, and unchanged files keep their modification time.
    func write(_ text: String, to relative: String) throws(CatalogError) {
        let target = path(relative)
        if let existing = FileManager.default.contents(atPath: target), Self.holds(existing, text) {
            files.insert(relative)
            return
        }
        let temporary = target + ".tmp-catalog"
        var descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if descriptor < 0 && errno == ENOENT {
            // The folder is created only when missing: asking first for each of thousands of files costs more.
            let folder = (target as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw .cannotWrite(path: folder, reason: error.localizedDescription)
            }
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        guard descriptor >= 0 else { throw .cannotWrite(path: target, reason: String(cString: strerror(errno))) }
        var bytes = text
        let written = bytes.withUTF8 { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = Foundation.write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        let reason = String(cString: strerror(errno))
        close(descriptor)
        guard written, rename(temporary, target) == 0 else {
            unlink(temporary)
            throw .cannotWrite(path: target, reason: reason)
        }
        files.insert(relative)
    }

    /// Whether the bytes are the text's UTF-8, compared in one `memcmp` rather than byte by byte.
    private static func holds(_ data: Data, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            data.count == utf8.count && data.withUnsafeBytes { bytes in
                guard let stored = bytes.baseAddress, let expected = utf8.baseAddress else { return utf8.isEmpty }
                return memcmp(stored, expected, utf8.count) == 0
            }
        }
    }

    func remove(_ relative: String) {
        unlink(path(relative))
        files.remove(relative)
    }

    /// The previous build's state, or nil when there is none or it is unreadable (then everything is rendered).
    func readState() -> CatalogBuildState? {
        guard let data = FileManager.default.contents(atPath: path(CatalogBuilder.stateFileName)) else { return nil }
        return try? JSONDecoder().decode(CatalogBuildState.self, from: data)
    }
}
