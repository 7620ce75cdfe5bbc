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

/// Writes the public catalog: a static site in English and Spanish plus machine-readable data.
///
/// The output depends only on the input value: no clock, no environment, every list sorted, so
/// two builds of the same input are byte-identical. A state file (`.catalog-state.json`) records
/// a digest of each product page's input; a later build into the same folder skips product pages
/// whose digest is unchanged, while index pages, data and feeds are always rewritten.
public enum CatalogBuilder {
    /// Changes whenever rendering changes, so pages from an older renderer are never kept.
    public static let rendererVersion = "catalog-renderer/1"

    /// The state file's name inside the output folder.
    public static let stateFileName = ".catalog-state.json"

    /// Builds the catalog into `outputDirectory`, creating it if needed.
    @discardableResult
    public static func build(_ input: CatalogInput, allegations: AllegationsReport?,
                             to outputDirectory: URL) throws(CatalogError) -> CatalogBuildSummary {
        var seen = Set<String>()
        for product in input.products {
            guard seen.insert(product.id).inserted else { throw .duplicateProduct(id: product.id) }
        }
        let sortedInput = input.products.sorted { $0.id < $1.id }
        let products = sortedInput.map(PublicProduct.init)
        let writer = SiteWriter(root: outputDirectory)
        let previous = writer.readState()
        var state = CatalogBuildState(renderer: rendererVersion, pages: [:])

        let hostedReviewFiles = try reviewFiles(sortedInput)
        let hostedPaths = Set(hostedReviewFiles.keys)
        let siteDigest = SHA256Hex.of(
            (try? CanonicalJSON.encode([rendererVersion, input.registry.title, input.registry.agency, input.registry.contactEmail,
                                        input.registry.siteURL ?? "", input.registry.repositoryURL ?? "",
                                        input.registry.allowedSigners == nil ? "no-signers" : "signers"])) ?? Data())

        var fragments: [String] = []
        fragments.reserveCapacity(products.count)
        var written = 0
        var unchanged = 0
        for (product, source) in zip(products, sortedInput) {
            let fragment = product.canonicalJSON()
            fragments.append(fragment)
            let context = ProductPageContext(
                asOf: input.asOf,
                hostedReviewFiles: source.approvals.flatMap { [$0.statementPath, $0.signaturePath] }
                    .filter { hostedPaths.contains($0) }.sorted(),
                repositoryURL: input.registry.repositoryURL,
                allegations: allegations?.count(forProduct: product.id),
                hasAllegationsReport: allegations != nil)
            let digest = SHA256Hex.of(siteDigest + fragment + context.digestText)
            for language in SiteLanguage.allCases {
                let layout = PageLayout(path: SitePaths.product(product.id), language: language, registry: input.registry)
                state.pages[layout.filePath] = digest
                if previous?.renderer == rendererVersion, previous?.pages[layout.filePath] == digest,
                   writer.keepIfPresent(layout.filePath) {
                    unchanged += 1
                    continue
                }
                try writer.write(ProductPage(product: product, context: context, layout: layout).render(), to: layout.filePath)
                written += 1
            }
        }
        if let previous {
            for path in previous.pages.keys.sorted() where state.pages[path] == nil { writer.remove(path) }
        }

        let filterMatches = IndexPage.matches(products)
        for language in SiteLanguage.allCases {
            // Filter pages sit beside the index, so every list page shares one rendering of each row.
            var rows: [String: String] = [:]
            for product in products {
                rows[product.id] = IndexPage.row(product, language: language, toLanguageRoot: "", asOf: input.asOf)
            }
            let index = IndexPage(products: products, rows: rows, asOf: input.asOf, report: allegations, matches: filterMatches)
            let indexLayout = PageLayout(path: "index.html", language: language, registry: input.registry)
            try writer.write(index.renderIndex(layout: indexLayout, registry: input.registry), to: indexLayout.filePath)
            for group in ProductFilter.all {
                for filter in group.filters {
                    let layout = PageLayout(path: filter.path, language: language, registry: input.registry)
                    try writer.write(index.renderFilter(filter, layout: layout), to: layout.filePath)
                }
            }
            let allegationsLayout = PageLayout(path: "allegations.html", language: language, registry: input.registry)
            let names = Dictionary(uniqueKeysWithValues: products.map { ($0.id, $0.name(in: language)) })
            try writer.write(AllegationsPage(report: allegations, productNames: names, layout: allegationsLayout).render(),
                             to: allegationsLayout.filePath)
            let verifyLayout = PageLayout(path: "verify.html", language: language, registry: input.registry)
            try writer.write(VerifyPage(registry: input.registry, layout: verifyLayout).render(), to: verifyLayout.filePath)
        }

        try writer.write(SiteAssets.stylesheet, to: "assets/catalog.css")
        try writer.write(SiteAssets.script, to: "assets/catalog.js")
        try writer.write(CatalogSchema.text + "\n", to: "schemas/catalog.schema.json")
        try writer.write(catalogJSON(input, fragments: fragments), to: "catalog.json")
        try writer.write(CatalogTables.csv(products), to: "catalog.csv")
        try writer.write(AtomFeed.render(products, registry: input.registry), to: "feed.xml")
        if let allegations {
            try writer.write(String(decoding: try encode(allegations), as: UTF8.self), to: "allegations.json")
        } else {
            writer.remove("allegations.json")
        }
        try writer.write(RegisterExports.json(products.map { RegisterExports.algoritmeregister($0, registry: input.registry) }),
                         to: "exports/algoritmeregister-1.0.json")
        try writer.write(RegisterExports.json(products.map { RegisterExports.ukATRS($0, registry: input.registry) }),
                         to: "exports/uk-atrs.json")
        try writer.write(RegisterExports.nycCSV(products.map { RegisterExports.nycLocalLaw35($0, registry: input.registry) }),
                         to: "exports/nyc-local-law-35.csv")
        for (path, text) in hostedReviewFiles.sorted(by: { $0.key < $1.key }) {
            if let sitePath = SitePaths.reviewFile(path) { try writer.write(text, to: sitePath) }
        }
        if let signers = input.registry.allowedSigners {
            try writer.write(signers, to: "reviews/allowed_signers")
        }
        try writer.write(state.json(), to: stateFileName)
        return CatalogBuildSummary(productCount: products.count, productPagesWritten: written,
                                   productPagesUnchanged: unchanged, files: writer.files.sorted())
    }

    /// Review statement and signature texts to host, keyed by repository path; rejects unsafe paths.
    private static func reviewFiles(_ products: [CatalogProduct]) throws(CatalogError) -> [String: String] {
        var files: [String: String] = [:]
        for product in products {
            for approval in product.approvals {
                for (path, text) in [(approval.statementPath, approval.statement), (approval.signaturePath, approval.signature)] {
                    guard SitePaths.reviewFile(path) != nil else { throw .unsafeReviewPath(product: product.id, path: path) }
                    if let text { files[path] = text }
                }
            }
        }
        return files
    }

    private static func encode<Value: Encodable>(_ value: Value) throws(CatalogError) -> Data {
        do {
            return try CanonicalJSON.encode(value)
        } catch {
            throw .cannotWrite(path: "catalog data", reason: "a value could not be encoded as JSON (\(error))")
        }
    }

    /// `catalog.json`, assembled from the per-product records already written for the digests.
    private static func catalogJSON(_ input: CatalogInput, fragments: [String]) -> String {
        func orNull(_ text: String?) -> String { text.map(CatalogJSONWriter.quoted) ?? "null" }
        var json = CatalogJSONWriter()
        json.object { o in
            o.field("agency", input.registry.agency)
            o.field("as_of", raw: orNull(input.asOf?.description))
            o.field("contact_email", input.registry.contactEmail)
            o.field("id", "catalog")
            o.field("minimum_cell_size", input.minimumCellSize)
            o.field("products", raw: "[" + fragments.joined(separator: ",") + "]")
            o.field("schema_version", PublicProduct.schemaVersion)
            o.field("site_url", raw: orNull(input.registry.siteURL))
            o.field("title", input.registry.title)
        }
        return json.text + "\n"
    }
}

/// What the previous build rendered, kept in the output folder for incremental rebuilds.
struct CatalogBuildState: Codable {
    var renderer: String
    /// Page path → SHA-256 of the page's input.
    var pages: [String: String]

    /// The state as JSON with sorted keys.
    func json() -> String {
        var json = CatalogJSONWriter()
        json.object { o in
            o.field("pages") { o in for path in pages.keys.sorted() { o.field(path, pages[path]) } }
            o.field("renderer", renderer)
        }
        return json.text + "\n"
    }
}

/// Writes files below the output folder, creating folders as needed, and remembers what the site holds.
///
/// Writes go through POSIX calls to a temporary name and a rename: Foundation's `Data.write` costs
/// several times more per file, which dominates a build of thousands of pages.
final class SiteWriter {
    let root: URL
    private var createdFolders = Set<String>()
    private(set) var files = Set<String>()

    init(root: URL) { self.root = root }

    private func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

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
        if let existing = FileManager.default.contents(atPath: target), existing.elementsEqual(text.utf8) {
            files.insert(relative)
            return
        }
        let folder = (target as NSString).deletingLastPathComponent
        if !createdFolders.contains(folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw .cannotWrite(path: folder, reason: error.localizedDescription)
            }
            createdFolders.insert(folder)
        }
        let temporary = target + ".tmp-catalog"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
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
