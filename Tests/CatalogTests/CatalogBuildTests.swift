import Catalog
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ProductModel
import Testing
import TestSupport

func text(_ data: Data?) -> String { data.map { String(decoding: $0, as: UTF8.self) } ?? "" }

@Suite("Catalog site")
struct CatalogBuildTests {
    let report: AllegationsReport

    init() throws {
        report = AllegationsReport.aggregate(try CatalogFixtures.demoAllegations(), minimumCellSize: 11)
    }

    @Test("two builds of the same input are byte-identical, in fresh folders")
    func byteIdentical() throws {
        let first = try makeTemporaryDirectory("catalog-a")
        let second = try makeTemporaryDirectory("catalog-b")
        defer { first.remove(); second.remove() }
        try CatalogBuilder.build(CatalogFixtures.input(), allegations: report, to: first.url)
        // Products listed in another order must not change a byte.
        var shuffled = CatalogFixtures.input()
        shuffled.products.reverse()
        try CatalogBuilder.build(shuffled, allegations: report, to: second.url)
        let a = try siteFiles(first.url)
        let b = try siteFiles(second.url)
        #expect(a.keys.sorted() == b.keys.sorted())
        for path in a.keys.sorted() { #expect(a[path] == b[path], "\(path) differs between builds") }
        for path in ["index.html", "es/index.html", "products/station-incident-hotspots.html", "es/products/station-incident-hotspots.html",
                     "allegations.html", "es/allegations.html", "verify.html", "assets/catalog.css", "assets/catalog.js",
                     "catalog.json", "catalog.csv", "feed.xml", "allegations.json", "schemas/catalog.schema.json",
                     "exports/algoritmeregister-1.0.json", "exports/uk-atrs.json", "exports/nyc-local-law-35.csv",
                     "products-status-in-use.html", "reviews/allowed_signers",
                     "reviews/station-incident-hotspots/1.1.0/alice.approval",
                     "reviews/station-incident-hotspots/1.1.0/alice.approval.sig"] {
            #expect(a[path] != nil, "\(path) is missing")
        }
    }

    @Test("analyst text with script, attribute and javascript: payloads comes out escaped on every page")
    func injectionEscaped() throws {
        let site = try makeTemporaryDirectory("catalog-xss")
        defer { site.remove() }
        try CatalogBuilder.build(CatalogFixtures.input(), allegations: report, to: site.url)
        let pages = try siteFiles(site.url).filter { $0.key.hasSuffix(".html") }
        #expect(pages.count > 10)
        for (path, data) in pages {
            let html = text(data).lowercased()
            let scripts = html.components(separatedBy: "<script").count - 1
            let ownScripts = html.components(separatedBy: "<script src=\"").count - 1
            #expect(scripts == ownScripts, "\(path) has a script element that is not the site's own")
            #expect(!html.contains("<img"), "\(path) has an img element from analyst text")
            #expect(!html.contains("href=\"javascript:"), "\(path) links to javascript:")
            // Attribute values are quoted and cannot contain a quote, so dropping them leaves the real attribute names.
            let withoutValues = html.replacingOccurrences(of: #""[^"]*""#, with: "\"\"", options: .regularExpression)
            #expect(withoutValues.range(of: #"<[a-z][^>]*\son[a-z]+="#, options: .regularExpression) == nil,
                    "\(path) has an event handler attribute")
            #expect(!html.contains("style=\""), "\(path) has an inline style the CSP would block")
        }
        let product = text(pages["products/station-incident-hotspots.html"])
        #expect(product.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(product.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        // The javascript: "link" of an impact assessment is shown as text, the https one as a link.
        #expect(product.contains("<a href=\"https://agency.example/equity\""))
        #expect(product.contains("Content-Security-Policy\" content=\"default-src 'none'; style-src 'self'; script-src 'self'"))
        #expect(!text(pages["index.html"]).contains("http://") || !text(pages["index.html"]).contains("src=\"http"))
    }

    @Test("withheld fields never appear, not even in history; their reason and commitment do")
    func withheldFieldsStayWithheld() throws {
        let site = try makeTemporaryDirectory("catalog-withheld")
        defer { site.remove() }
        try CatalogBuilder.build(CatalogFixtures.input(), allegations: nil, to: site.url)
        let files = try siteFiles(site.url)
        for (path, data) in files {
            let content = text(data)
            // The withheld vendor of the first product; the other products publish theirs.
            if path.contains("station-incident-hotspots") || path.hasSuffix(".json") || path.hasSuffix(".csv") || path.hasSuffix(".xml") {
                #expect(!content.contains("Vendor &lt;script") && !content.contains("Vendor <script") && !content.contains("Vendor \\u003c"),
                        "\(path) shows the withheld vendor")
                #expect(!content.contains("Secret vendor A") || !path.contains("station-incident-hotspots"), "\(path) shows a withheld change")
            }
        }
        let page = text(files["products/station-incident-hotspots.html"])
        #expect(page.contains(CatalogFixtures.hex("vendor-commitment", length: 64)))
        #expect(page.contains("Contract terms &lt;script&gt;"))
        // The owner's contact is published so the public can object to the owner directly.
        #expect(page.contains("<a href=\"mailto:internal-only@agency.example\">internal-only@agency.example</a>"))
    }

    @Test("product pages show approvals with exact digests, review files, disparity with undefined, and a mailto contact")
    func productPageContent() throws {
        let site = try makeTemporaryDirectory("catalog-product")
        defer { site.remove() }
        let input = CatalogFixtures.input()
        try CatalogBuilder.build(input, allegations: report, to: site.url)
        let files = try siteFiles(site.url)
        let page = text(files["products/station-incident-hotspots.html"])
        let digest = input.products[0].contentDigest
        #expect(page.contains(digest))
        #expect(page.contains("href=\"../reviews/station-incident-hotspots/1.1.0/alice.approval.sig\""))
        #expect(page.contains("href=\"../verify.html\""))
        #expect(page.contains("<th scope=\"col\">Difference to reference</th><th scope=\"col\">True-positive rate</th><th scope=\"col\">False-positive rate</th>"))
        #expect(page.contains("<tr><th scope=\"row\">White</th><td>120</td><td>0.250</td><td>0.180–0.330</td><td>1.000</td><td>0.000</td><td>0.500</td><td>0.125</td></tr>"),
                "the difference, TPR and FPR reach the page as numbers")
        #expect(page.contains("<td>0</td><td>undefined</td><td>undefined</td><td>undefined</td><td>undefined</td><td>undefined</td><td>undefined</td></tr>"),
                "an empty group reads undefined in every rate column, never 0")
        #expect(page.contains("mailto:analytics-registry@transit.example?subject="))
        #expect(page.contains("Justification &lt;script&gt;"))
        let spanish = text(files["es/products/station-incident-hotspots.html"])
        #expect(spanish.contains("<html lang=\"es\">"))
        #expect(spanish.contains("Nombre &lt;script&gt;"))
        #expect(spanish.contains(">indefinido<"))
        let statement = text(files["reviews/station-incident-hotspots/1.1.0/alice.approval"])
        #expect(statement == input.products[0].approvals[0].statement)
    }

    @Test("the index shows indicators as of the given day, and filter pages list exactly the matching products")
    func indexAndFilters() throws {
        let site = try makeTemporaryDirectory("catalog-index")
        defer { site.remove() }
        try CatalogBuilder.build(CatalogFixtures.input(), allegations: report, to: site.url)
        let files = try siteFiles(site.url)
        let index = text(files["index.html"])
        #expect(index.contains("(as of 2026-11-25)"))
        // Two products are in use; one is approved, so 50%; review dates (2026-06-30) have passed for both in use and development.
        #expect(index.contains("<span class=\"indicator-value\">2</span> <span class=\"indicator-label\">Products in use"))
        #expect(index.contains("<span class=\"indicator-value\">50%</span> <span class=\"indicator-label\">In-use products approved"))
        #expect(index.contains("<span class=\"indicator-value\">3</span> <span class=\"indicator-label\">Board reviews overdue"))
        #expect(index.contains("<svg class=\"chart\""))
        #expect(index.contains("<title id=\"chart-states-title\">"))
        let development = text(files["products-status-development.html"])
        #expect(development.contains("calls-for-service-triage"))
        #expect(!development.contains("fare-inspection-allocation.html"))
        #expect(development.contains("href=\"products/calls-for-service-triage.html\""))
    }

    @Test("catalog.json validates against Schemas/catalog.schema.json, which the site publishes unchanged")
    func schemaValidates() throws {
        let site = try makeTemporaryDirectory("catalog-schema")
        defer { site.remove() }
        try CatalogBuilder.build(CatalogFixtures.input(), allegations: report, to: site.url)
        let schemaURL = packageRoot.appendingPathComponent("Schemas/catalog.schema.json")
        #expect(try Data(contentsOf: schemaURL) == Data(contentsOf: site.url.appendingPathComponent("schemas/catalog.schema.json")))
        let script = """
        import json, sys
        try:
            import jsonschema
        except ImportError:
            print("python3 lacks jsonschema: run 'python3 -m pip install jsonschema'"); sys.exit(3)
        schema = json.load(open(sys.argv[1])); document = json.load(open(sys.argv[2]))
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=str)
        for error in errors: print(list(error.absolute_path), error.message)
        ids = [p["id"] for p in document["products"]]
        assert len(ids) == len(set(ids)), "duplicate ids"
        assert all(p["schema_version"] == 1 for p in document["products"])
        sys.exit(1 if errors else 0)
        """
        let result = try runProcess("/usr/bin/env", ["python3", "-c", script, schemaURL.path,
                                                     site.url.appendingPathComponent("catalog.json").path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test("rebuilding skips unchanged product pages, rewrites changed ones and removes pages of dropped products")
    func incrementalRebuild() throws {
        let site = try makeTemporaryDirectory("catalog-incremental")
        defer { site.remove() }
        var input = CatalogFixtures.input()
        let first = try CatalogBuilder.build(input, allegations: report, to: site.url)
        #expect(first.productPagesWritten == 6)
        let again = try CatalogBuilder.build(input, allegations: report, to: site.url)
        #expect(again.productPagesWritten == 0 && again.productPagesUnchanged == 6)
        input.products[1].manifest.summary = "A changed summary"
        input.products.remove(at: 2)
        let changed = try CatalogBuilder.build(input, allegations: report, to: site.url)
        #expect(changed.productPagesWritten == 2)
        #expect(changed.productPagesUnchanged == 2)
        // Two product pages, and at least the index pages, catalog.json and the state file.
        #expect(changed.filesWritten >= 2 + 4)
        #expect(!changed.files.contains("products/calls-for-service-triage.html"))
        #expect(text(try Data(contentsOf: site.url.appendingPathComponent("products/fare-inspection-allocation.html"))).contains("A changed summary"))
        // An incremental build ends byte-identical to a fresh one.
        let fresh = try makeTemporaryDirectory("catalog-fresh")
        defer { fresh.remove() }
        try CatalogBuilder.build(input, allegations: report, to: fresh.url)
        #expect(try siteFiles(site.url) == siteFiles(fresh.url))
    }

    @Test("products read back from their archives assemble, without rendering pages, into the site a fresh build writes")
    func archivedProductsAssembleIdentically() throws {
        let site = try makeTemporaryDirectory("catalog-archived")
        let fresh = try makeTemporaryDirectory("catalog-archived-fresh")
        defer { site.remove(); fresh.remove() }
        let input = CatalogFixtures.input()
        let settings = CatalogSite(registry: input.registry, asOf: input.asOf, minimumCellSize: input.minimumCellSize,
                                   allegations: report)
        let folder = try CatalogFolder(site.url)
        let rendered = try input.products.map { try CatalogBuilder.render($0, site: settings, into: folder) }
        try CatalogBuilder.assemble(rendered, site: settings, into: folder)
        let reread = rendered.compactMap { RenderedProduct(archived: $0.archived[...]) }
        #expect(reread.map(\.id) == rendered.map(\.id))
        #expect(reread.map(\.pageDigest) == rendered.map(\.pageDigest))
        #expect(RenderedProduct(archived: rendered[0].archived.dropLast()) == nil, "a cut archive is refused")
        let again = try CatalogBuilder.assemble(reread, site: settings, into: CatalogFolder(site.url))
        #expect(again.productPagesWritten == 0)
        #expect(again.filesWritten == 0 && again.filesUnchanged == again.files.count, "the same input rewrote files")
        try CatalogBuilder.build(input, allegations: report, to: fresh.url)
        #expect(try siteFiles(site.url) == siteFiles(fresh.url))
    }

    @Test("a review path outside Reviews/ is refused instead of written")
    func unsafeReviewPath() throws {
        let site = try makeTemporaryDirectory("catalog-unsafe")
        defer { site.remove() }
        var input = CatalogFixtures.input()
        input.products[0].approvals[0].statementPath = "Reviews/../../escape"
        #expect(throws: CatalogError.unsafeReviewPath(product: "station-incident-hotspots", path: "Reviews/../../escape")) {
            try CatalogBuilder.build(input, allegations: nil, to: site.url)
        }
    }

    @Test("the Atom feed dates come from commits and approvals, newest first")
    func feed() throws {
        let site = try makeTemporaryDirectory("catalog-feed")
        defer { site.remove() }
        try CatalogBuilder.build(CatalogFixtures.input(), allegations: nil, to: site.url)
        let feed = text(try Data(contentsOf: site.url.appendingPathComponent("feed.xml")))
        #expect(feed.contains("<updated>2026-10-01T09:00:00Z</updated>"))
        #expect(feed.contains("New product: Name triage 1.0.0"))
        #expect(feed.contains("Approved: Name &lt;script&gt;"))
        let parsed = try XMLDocument(data: Data(feed.utf8))
        // Six entries of versions and approvals, then the events: one failing check, three overdue reviews.
        #expect(try parsed.nodes(forXPath: "//*[local-name()='entry']").count == 10)
        #expect(feed.contains("<id>https://registry.transit.example/station-incident-hotspots/check-failed/"))
        #expect(feed.contains("<id>https://registry.transit.example/calls-for-service-triage/review-overdue/2026-06-30</id>"))
    }

    /// Writes the fixture site where `Tests/Browser/check_catalog.py` looks for it.
    @Test("writes the browser-test site to .build/catalog-browser-site")
    func writeBrowserSite() throws {
        let target = packageRoot.appendingPathComponent(".build/catalog-browser-site")
        try? FileManager.default.removeItem(at: target)
        // A third language the way a registry adds one: French with a handful of words, the rest English.
        let french = try InterfaceStrings.parse(
            registryFile: Array(try Data(contentsOf: packageRoot.appendingPathComponent("Tests/Fixtures/languages/fr.json"))),
            path: "Languages/fr.json")
        let summary = try CatalogBuilder.build(CatalogFixtures.input(), allegations: report, history: CatalogFixtures.history(),
                                               registryLanguages: [french], to: target)
        #expect(summary.files.contains("index.html"))
        for page in ["reports/2026.html", "es/reports/2025.html", "products/retired-survey-1.html", "products/retired-survey-1.atom",
                     "fr/index.html", "fr/products/station-incident-hotspots.html"] {
            #expect(summary.files.contains(page), "\(page) is in the browser-test site")
        }
    }
}
