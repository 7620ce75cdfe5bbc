import Catalog
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

@Suite("Atom feed")
struct AtomFeedTests {
    @Test("a commit message holding control characters leaves feed.xml well-formed XML")
    func controlCharactersInCommitMessages() throws {
        let site = try makeTemporaryDirectory("catalog-feed-controls")
        defer { site.remove() }
        var input = CatalogFixtures.input()
        input.products[0].history[0].message = "Fix \u{1B}[2J\u{0}\u{1}\u{FFFF} counts"
        try CatalogBuilder.build(input, allegations: nil, to: site.url)
        let feed = try Data(contentsOf: site.url.appendingPathComponent("feed.xml"))
        let parsed = try XMLDocument(data: feed)
        let summaries = try parsed.nodes(forXPath: "//*[local-name()='summary']").compactMap(\.stringValue)
        #expect(summaries.contains("Fix \u{FFFD}[2J\u{FFFD}\u{FFFD}\u{FFFD} counts"))
    }
}
