import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

/// `catalog build` writes an annual use report per year from git history, keeps a page and a feed
/// for a product removed from `Products/`, gives every product its own Atom feed and puts failing
/// checks, overdue reviews and removals in the main feed.
@Suite("Annual use reports, removed products and feeds")
struct AnnualReportTests {
    struct Report: Decodable {
        struct Totals: Decodable {
            let products_in_use: Int
            let entered_use: Int
            let left_use: Int
            let versions_registered: Int
            let products_removed: Int
        }
        struct Product: Decodable {
            let id: String
            let in_use: Bool
            let in_use_since: String?
            let in_use_until: String?
            let removed: String?
            let versions_registered: [String]
            let review_overdue_since: String?
            let review_overdue_days: Int
        }
        let year: Int
        let period_end: String
        let complete: Bool
        let totals: Totals
        let products: [Product]
        let checks_scope: String
    }

    static let outreach = "homeless-outreach-demand"
    static let removed = "rider-safety-perception"

    /// Commits the working tree's changes under `Products/` on a given day, by a given author.
    private func commit(_ registry: FixtureRegistry, on day: String, by author: String, _ message: String) throws {
        var environment = fixtureGitEnvironment
        environment["GIT_AUTHOR_NAME"] = author
        environment["GIT_AUTHOR_DATE"] = "\(day)T10:00:00Z"
        environment["GIT_COMMITTER_DATE"] = "\(day)T10:00:00Z"
        let result = try runProcess("/usr/bin/git", ["commit", "-q", "-a", "-m", message], in: registry.url, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// Sets top-level manifest keys of a product in the working tree.
    private func edit(_ registry: FixtureRegistry, _ id: String, _ values: [String: String]) throws {
        let url = registry.url.appendingPathComponent("Products/\(id)/product.yaml")
        var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
        for (key, value) in values {
            let index = try #require(lines.firstIndex { $0.hasPrefix(key + ":") })
            lines[index] = "\(key): \(value)"
        }
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// The example registry with a year of history added in 2028: the outreach product enters use
    /// in February and is retired in August; the survey product is removed in May.
    private func registryWith2028() throws -> (registry: FixtureRegistry, removal: String) {
        let registry = try FixtureRegistry.cloneOfExamples()
        try edit(registry, Self.outreach, ["status": "in-use", "version": "\"0.4.0\""])
        try commit(registry, on: "2028-02-10", by: "Ana Analyst", "Put outreach demand into use")
        try registry.git("rm", "-q", "-r", "Products/\(Self.removed)")
        try commit(registry, on: "2028-05-20", by: "Dana Remover", "Remove the rider survey product: the survey ended")
        let removal = try registry.git("rev-parse", "HEAD")
        try edit(registry, Self.outreach, ["status": "retired", "version": "\"0.5.0\""])
        try commit(registry, on: "2028-08-01", by: "Ana Analyst", "Retire outreach demand")
        return (registry, removal)
    }

    private func build(_ registry: FixtureRegistry, into site: URL) throws {
        let result = try registry.registry("catalog", "build", "--out", site.path, "--as-of", "2028-12-31")
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// Runs `body` on the registry with 2028's history, its catalog built as of 2028-12-31, and the
    /// commit that removed the survey product.
    private func withSite(_ body: (FixtureRegistry, URL, String) throws -> Void) throws {
        let (registry, removal) = try registryWith2028()
        defer { registry.remove() }
        let folder = try makeTemporaryDirectory("annual-site")
        defer { folder.remove() }
        try build(registry, into: folder.url)
        try body(registry, folder.url, removal)
    }

    private func report(_ year: Int, in site: URL) throws -> Report {
        try JSONDecoder().decode(Report.self, from: Data(contentsOf: site.appendingPathComponent("reports/\(year).json")))
    }

    private func text(_ path: String, in site: URL) throws -> String {
        try String(contentsOf: site.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("the 2028 report's numbers match the history made: entering, leaving and removal dates, versions, overdue days")
    func reportNumbers() throws {
        try withSite { _, site, _ in
            let year = try report(2028, in: site)
            #expect(year.period_end == "2028-12-31" && year.complete)
            #expect(year.checks_scope.contains("other machines"))
            #expect(year.totals.versions_registered == 2)
            #expect(year.totals.products_removed == 1)
            #expect(year.totals.entered_use == 1)
            #expect(year.totals.left_use == 2)
            let rows = Dictionary(uniqueKeysWithValues: year.products.map { ($0.id, $0) })
            let outreach = try #require(rows[Self.outreach])
            #expect(outreach.in_use && outreach.in_use_since == "2028-02-10" && outreach.in_use_until == "2028-08-01")
            #expect(outreach.versions_registered == ["0.4.0", "0.5.0"])
            // Review due 2027-03-31: overdue from 1 January until retirement on 1 August (2028 is a leap year).
            #expect(outreach.review_overdue_since == "2027-04-01")
            #expect(outreach.review_overdue_days == 31 + 29 + 31 + 30 + 31 + 30 + 31)
            let survey = try #require(rows[Self.removed])
            #expect(survey.in_use && survey.in_use_until == "2028-05-20" && survey.removed == "2028-05-20")
            #expect(survey.in_use_since.map { $0 < "2028-01-01" } == true, "in use since its registration")
            #expect(survey.review_overdue_days == 31 + 29 + 31 + 30 + 19)
            // Every year from the first product commit has a report, in both languages, linked from the index.
            for year in 2026...2028 {
                for path in ["reports/\(year).html", "es/reports/\(year).html", "reports/\(year).csv"] {
                    #expect(FileManager.default.fileExists(atPath: site.appendingPathComponent(path).path), "\(path)")
                }
                #expect(try text("index.html", in: site).contains("href=\"reports/\(year).html\""))
                #expect(try text("es/index.html", in: site).contains("href=\"reports/\(year).html\""))
            }
            let earlier = try report(2027, in: site)
            let developing = try #require(earlier.products.first { $0.id == Self.outreach }, "listed in 2027: its review became overdue")
            #expect(!developing.in_use, "the outreach product was in development in 2027")
            #expect(developing.review_overdue_days == 275, "overdue from 1 April to 31 December 2027")
            let csv = try text("reports/2028.csv", in: site)
            #expect(csv.contains("2028,\(Self.outreach),") && csv.contains(",2028-02-10,2028-08-01,"))
            let page = try text("reports/2028.html", in: site)
            #expect(page.contains("<svg") && page.contains("<table") && page.contains("other machines"))
            #expect(try text("es/reports/2028.html", in: site).contains("Informe anual de uso 2028"))
        }
    }

    @Test("a removed product keeps a page with the removing commit, date and author, its last approved version and its history")
    func removedProductPage() throws {
        try withSite { _, site, removal in
            for path in ["products/\(Self.removed).html", "es/products/\(Self.removed).html"] {
                let page = try text(path, in: site)
                #expect(page.contains(removal), "\(path) names the removing commit")
                #expect(page.contains("2028-05-20") && page.contains("Dana Remover"), "\(path)")
                #expect(page.contains("1.0.0"), "\(path) names the last approved version")
                #expect(page.contains("Remove the rider survey product"), "\(path) shows the history")
            }
            let index = try text("index.html", in: site)
            #expect(index.contains("href=\"products/\(Self.removed).html\""), "the index lists the removed product")
            // The retired product stays listed, as retired.
            #expect(index.contains("data-status=\"retired\"") && index.contains(Self.outreach))
        }
    }

    @Test("feeds are Atom: one per product linked from its page, and the main feed has removals and overdue reviews with stable ids")
    func feeds() throws {
        try withSite { registry, site, removal in
            let main = try AtomDocument(contentsOf: site.appendingPathComponent("feed.xml"))
            let removedID = "urn:analytics-registry:catalog:\(Self.removed)/removed/\(removal)"
            #expect(main.entryIDs.contains(removedID))
            #expect(main.entryIDs.contains("urn:analytics-registry:catalog:station-incident-hotspots/review-overdue/2027-05-31"))
            #expect(Set(main.entryIDs).count == main.entryIDs.count, "entry ids are unique")

            let own = try AtomDocument(contentsOf: site.appendingPathComponent("products/\(Self.removed).atom"))
            #expect(own.entryIDs.contains(removedID))
            #expect(own.links.contains("\(Self.removed).html"))
            for id in ["station-incident-hotspots", Self.outreach] {
                let feed = try AtomDocument(contentsOf: site.appendingPathComponent("products/\(id).atom"))
                #expect(!feed.entryIDs.isEmpty && feed.entryIDs.allSatisfy { $0.contains(":\(id)/") }, "\(id)")
                #expect(try text("products/\(id).html", in: site)
                    .contains("<link rel=\"alternate\" type=\"application/atom+xml\""))
                #expect(try text("es/products/\(id).html", in: site).contains("href=\"../../products/\(id).atom\""))
            }
            // A later build keeps every id: feed readers do not show the entries again.
            let again = try makeTemporaryDirectory("annual-site-again")
            defer { again.remove() }
            try build(registry, into: again.url)
            #expect(try AtomDocument(contentsOf: again.url.appendingPathComponent("feed.xml")).entryIDs == main.entryIDs)
        }
    }

    @Test("a rebuild into the same folder follows new history: the report changes and equals a clean build")
    func reportFollowsHistory() throws {
        try withSite { registry, site, _ in
            #expect(try report(2028, in: site).totals.versions_registered == 2)

            let next = nextPatch(of: try registry.versionLabel(of: "platform-crowding-alerts"))
            try edit(registry, "platform-crowding-alerts", ["version": "\"\(next)\""])
            try commit(registry, on: "2028-10-01", by: "Ana Analyst", "Platform crowding \(next)")
            try build(registry, into: site)
            let rebuilt = try report(2028, in: site)
            #expect(rebuilt.totals.versions_registered == 3)
            #expect(rebuilt.products.first { $0.id == "platform-crowding-alerts" }?.versions_registered == [next])

            let clean = try makeTemporaryDirectory("annual-clean")
            defer { clean.remove() }
            try build(registry, into: clean.url)
            let rebuiltFiles = try siteFiles(site)
            let cleanFiles = try siteFiles(clean.url)
            #expect(rebuiltFiles.keys.sorted() == cleanFiles.keys.sorted())
            for path in cleanFiles.keys.sorted() where rebuiltFiles[path] != cleanFiles[path] {
                Issue.record("\(path) differs from a clean build")
            }
        }
    }
}

/// An Atom document read with Foundation's XML parser: refuses XML that is not well formed or
/// whose root is not an Atom feed, and collects the entries' ids and links.
struct AtomDocument {
    var entryIDs: [String] = []
    var links: [String] = []

    init(contentsOf url: URL) throws {
        let parser = XMLParser(data: try Data(contentsOf: url))
        let collector = Collector()
        parser.delegate = collector
        parser.shouldProcessNamespaces = true
        guard parser.parse() else {
            throw FixtureError("\(url.lastPathComponent) is not well-formed XML: \(parser.parserError.map(String.init(describing:)) ?? "")")
        }
        guard collector.root == "feed", collector.namespace == "http://www.w3.org/2005/Atom" else {
            throw FixtureError("\(url.lastPathComponent) is not an Atom feed")
        }
        guard collector.feedID != nil, collector.feedUpdated != nil, collector.entriesComplete else {
            throw FixtureError("\(url.lastPathComponent) lacks a required Atom element (id, updated, or an entry's id/title/updated)")
        }
        entryIDs = collector.entryIDs
        links = collector.links
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var root: String?
        var namespace: String?
        var path: [String] = []
        var text = ""
        var feedID: String?
        var feedUpdated: String?
        var entryIDs: [String] = []
        var links: [String] = []
        var entryFields = Set<String>()
        var entriesComplete = true

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if root == nil { root = name; namespace = namespaceURI }
            path.append(name)
            text = ""
            if name == "entry" { entryFields = [] }
            if name == "link", path.count == 3, path[1] == "entry", let href = attributes["href"] { links.append(href) }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if path.count == 2 && name == "id" { feedID = text }
            if path.count == 2 && name == "updated" { feedUpdated = text }
            if path.count == 3 && path[1] == "entry" {
                entryFields.insert(name)
                if name == "id" { entryIDs.append(text) }
            }
            if name == "entry" && !entryFields.isSuperset(of: ["id", "title", "updated"]) { entriesComplete = false }
            path.removeLast()
        }
    }
}
