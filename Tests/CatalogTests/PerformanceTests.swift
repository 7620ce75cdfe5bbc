import Catalog
import Foundation
import Testing
import TestSupport

@Suite("Catalog build speed")
struct PerformanceTests {
    @Test("1,000 products with history build in time, and a one-product change rebuilds at least 5× faster")
    func largeRegistry() throws {
        let site = try makeTemporaryDirectory("catalog-large")
        defer { site.remove() }
        var input = CatalogFixtures.largeInput(count: 1000, versions: 6)
        let clock = ContinuousClock()
        var summary: CatalogBuildSummary?
        let full = try clock.measure { summary = try CatalogBuilder.build(input, allegations: nil, to: site.url) }
        #expect(summary?.productPagesWritten == 2000)
        input.products[500].manifest.summary = "Changed"
        let incremental = try clock.measure { summary = try CatalogBuilder.build(input, allegations: nil, to: site.url) }
        #expect(summary?.productPagesWritten == 2)
        print("catalog build: full \(full), one product changed \(incremental)")
        // The targets are for optimised code: `swift test -c release --filter PerformanceTests`.
        // Debug builds, sharing the process with the other suites, only have to show the rebuild saves work.
        #if DEBUG
        #expect(full >= incremental * 2, "full \(full) vs incremental \(incremental)")
        #else
        #expect(full >= incremental * 5, "full \(full) vs incremental \(incremental)")
        #expect(full < .seconds(3), "a release build of 1,000 products took \(full)")
        #endif
    }
}
