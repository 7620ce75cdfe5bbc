import Foundation
import Testing
import TestSupport

/// `catalog build` into a folder it built before: only changed products are rendered again, each
/// change shows on the site, and the folder ends byte-identical to a clean build.
@Suite("Catalog rebuilds")
struct CatalogRebuildTests {
    struct Report: Decodable {
        let products: Int
        let product_pages_written: Int
        let product_pages_unchanged: Int
    }

    /// Builds the example registry's catalog into `folder`, as of today: the approval the test signs
    /// counts from its issue time on, and an earlier `--as-of` day would judge it not yet issued.
    private func build(_ registry: FixtureRegistry, into folder: URL) throws -> Report {
        let result = try registry.registry("catalog", "build", "--out", folder.path, "--as-of", ApprovalLapseTests.utcToday(), "--json")
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    }

    /// Rebuilds into `site`, checks that exactly one product's pages were written, and that the
    /// result equals a build into an empty folder.
    private func rebuildMatchesClean(_ registry: FixtureRegistry, site: URL, _ comment: Comment) throws {
        let rebuilt = try build(registry, into: site)
        #expect(rebuilt.product_pages_written == 2, comment)
        #expect(rebuilt.product_pages_unchanged == 2 * (rebuilt.products - 1), comment)
        let clean = try makeTemporaryDirectory("catalog-clean")
        defer { clean.remove() }
        let fresh = try build(registry, into: clean.url)
        #expect(fresh.product_pages_written == 2 * fresh.products, comment)
        let rebuiltFiles = try siteFiles(site)
        let cleanFiles = try siteFiles(clean.url)
        #expect(rebuiltFiles.keys.sorted() == cleanFiles.keys.sorted(), comment)
        for path in cleanFiles.keys.sorted() where rebuiltFiles[path] != cleanFiles[path] {
            Issue.record("\(path) differs from a clean build (\(comment))")
        }
    }

    private func page(_ id: String, in site: URL) throws -> String {
        try String(contentsOf: site.appendingPathComponent("products/\(id).html"), encoding: .utf8)
    }

    @Test("after a manifest edit, a new signed approval and a new check, a rebuild shows each and equals a clean build")
    func rebuildAfterChanges() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let folder = try makeTemporaryDirectory("catalog-site")
        defer { folder.remove() }
        let site = folder.url

        let first = try build(registry, into: site)
        #expect(first.product_pages_written == 2 * first.products)
        let again = try build(registry, into: site)
        #expect(again.product_pages_written == 0)
        #expect(try page("homeless-outreach-demand", in: site).contains("state-pending"))

        // A manifest edit: the new name is on the product page and in catalog.json.
        let manifest = registry.url.appendingPathComponent("Products/station-incident-hotspots/product.yaml")
        let yaml = try String(contentsOf: manifest, encoding: .utf8)
        try Data(yaml.replacingOccurrences(of: "name: Station Incident Hotspots\n", with: "name: Station Incident Hotspots Revised\n").utf8)
            .write(to: manifest)
        try registry.git("commit", "-q", "-am", "Rename station incident hotspots")
        try rebuildMatchesClean(registry, site: site, "after the manifest edit")
        #expect(try page("station-incident-hotspots", in: site).contains("<h1>Station Incident Hotspots Revised</h1>"))
        #expect(try String(contentsOf: site.appendingPathComponent("catalog.json"), encoding: .utf8)
            .contains("\"name\":\"Station Incident Hotspots Revised\""))

        // A second approval signed with stock ssh-keygen: the product turns approved and the site hosts the statement.
        try registry.commitFranksApprovalSignedBySSHKeygen(message: "Second approval of homeless outreach demand")
        try rebuildMatchesClean(registry, site: site, "after the new approval")
        let outreach = try page("homeless-outreach-demand", in: site)
        #expect(outreach.contains("state-approved"))
        let hosted = try registry.reviewFolder(of: "homeless-outreach-demand").replacingOccurrences(of: "Reviews/", with: "reviews/")
        #expect(outreach.contains("href=\"../\(hosted)/frank.approval.sig\""))
        #expect(FileManager.default.fileExists(atPath: site.appendingPathComponent("\(hosted)/frank.approval").path))

        // A check of one product: its page shows the result instead of "not checked".
        let unchecked = "<h2 id=\"h-check\">Latest compliance check</h2>\n<p>not checked</p>"
        #expect(try page("rider-safety-perception", in: site).contains(unchecked))
        let check = try registry.registry("check", "rider-safety-perception")
        #expect(check.status == 0 || check.status == 1, "\(check.stderr)")
        try rebuildMatchesClean(registry, site: site, "after the check")
        let checked = try page("rider-safety-perception", in: site)
        #expect(!checked.contains(unchecked))
        #expect(checked.contains("<h3>Findings</h3>"))
    }
}
