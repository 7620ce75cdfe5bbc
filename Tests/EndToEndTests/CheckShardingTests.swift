import Foundation
import Testing
import TestSupport

/// `check --shard K/N` covers every product exactly once, and `--merge` equals an unsharded run.
@Suite("Sharded checks")
struct CheckShardingTests {
    struct Report: Decodable {
        struct Product: Decodable, Equatable {
            struct Finding: Decodable, Equatable { let rule: String; let severity: String; let message: String }
            let id: String
            let passed: Bool
            let tree: String
            let findings: [Finding]
        }
        let passed: Bool
        let products: [Product]
    }

    @Test("three shards cover every product once and merge into the unsharded verdict")
    func shardsMergeToUnsharded() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let whole = try registry.registry("check", "--all", "--json")
        let unsharded = try JSONDecoder().decode(Report.self, from: Data(whole.stdout.utf8))

        var files: [String] = []
        var seen: [String] = []
        for share in 1...3 {
            let result = try registry.registry("check", "--shard", "\(share)/3", "--no-cache", "--json")
            let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
            seen += report.products.map(\.id)
            let file = registry.url.appendingPathComponent("shard-\(share).json")
            try Data(result.stdout.utf8).write(to: file)
            files.append(file.path)
        }
        #expect(seen.sorted() == unsharded.products.map(\.id).sorted())
        #expect(Set(seen).count == seen.count, "no product is checked twice")

        let merged = try registry.registry(["check", "--merge"] + files + ["--json"])
        let report = try JSONDecoder().decode(Report.self, from: Data(merged.stdout.utf8))
        #expect(report.products == unsharded.products)
        #expect(report.passed == unsharded.passed)
        #expect(merged.status == whole.status)

        let twice = try registry.registry(["check", "--merge", files[0], files[0]])
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("exactly once"))
    }

    @Test("a malformed shard is a usage error")
    func badShard() throws {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { registry.remove() }
        for shard in ["0/3", "4/3", "two", "1/0"] {
            let result = try registry.registry("check", "--shard", shard)
            #expect(result.status == 2, "\(shard)")
            #expect(result.stderr.contains("--shard"))
        }
    }
}
