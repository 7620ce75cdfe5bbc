import Foundation
import Testing
import TestSupport

/// `check --merge` passes only for exactly shards 1…N of one commit, policy and registry build.
@Suite("Merge gate")
struct CheckMergeGateTests {
    struct ShardResult: Decodable {
        struct Shard: Decodable { let index: Int; let count: Int; let selection_count: Int }
        let passed: Bool
        let commit: String
        let policy_sha256: String
        let registry_build: String?
        let shard: Shard?
        let products: [Product]
        struct Product: Decodable { let id: String }
    }

    static let products = ["station-incident-hotspots", "rider-safety-perception", "calls-for-service-triage"]

    /// Writes `check --json` output with these arguments to a file in the registry and returns its path.
    private func save(_ registry: FixtureRegistry, _ name: String, _ arguments: String...) throws -> String {
        let result = try registry.registry(["check", "--json"] + arguments)
        #expect(result.status != 2, "\(arguments): \(result.stderr)")
        let file = registry.url.appendingPathComponent(".registry/\(name).json")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(result.stdout.utf8).write(to: file)
        return file.path
    }

    /// Runs `check --merge` and returns the result.
    private func merge(_ registry: FixtureRegistry, _ files: [String]) throws -> ProcessResult {
        try registry.registry(["check", "--merge"] + files)
    }

    @Test("a shard records K/N, commit, policy and build; an incomplete, duplicated, unsharded or partial set is refused")
    func incompleteSets() throws {
        let registry = try FixtureRegistry.withExampleProducts(Self.products)
        defer { registry.remove() }
        let first = try save(registry, "s1", "--shard", "1/2")
        let second = try save(registry, "s2", "--shard", "2/2")
        let recorded = try JSONDecoder().decode(ShardResult.self, from: Data(contentsOf: URL(fileURLWithPath: first)))
        #expect(recorded.shard?.index == 1 && recorded.shard?.count == 2 && recorded.shard?.selection_count == 3)
        #expect(recorded.commit == (try registry.git("rev-parse", "HEAD")))
        #expect(recorded.policy_sha256.count == 64)
        #expect(recorded.registry_build?.contains("sha256:") == true)

        let alone = try merge(registry, [first])
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("Shard 2/2") && alone.stderr.contains("missing"), "\(alone.stderr)")
        #expect(alone.stdout.isEmpty, "a refused merge prints no verdict")

        let twice = try merge(registry, [first, first, second])
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("both shard 1/2"), "\(twice.stderr)")

        let whole = try save(registry, "whole")
        let unsharded = try merge(registry, [whole])
        #expect(unsharded.status == 2)
        #expect(unsharded.stderr.contains("not the result of a 'check --shard K/N --json'"), "\(unsharded.stderr)")

        let otherSplit = try save(registry, "t1", "--shard", "1/3")
        let mixedSplit = try merge(registry, [otherSplit, second])
        #expect(mixedSplit.status == 2)
        #expect(mixedSplit.stderr.contains("shard 2/2") && mixedSplit.stderr.contains("shard 1/3"), "\(mixedSplit.stderr)")

        // A split of only some ids is complete in itself but leaves the other products unchecked.
        let some = try save(registry, "some", "--shard", "1/1", Self.products[0])
        let partial = try merge(registry, [some])
        #expect(partial.status == 2)
        #expect(partial.stderr.contains("split only 1 of the 3 products") && partial.stderr.contains("'\(Self.products[1])'"), "\(partial.stderr)")
        #expect(partial.stdout.isEmpty)

        let complete = try merge(registry, [second, first])
        let full = try registry.registry("check")
        #expect(complete.status == full.status, "\(complete.stderr)")
        #expect(complete.stdout.contains("3 products checked"))
    }

    @Test("shards of different commits, policies or registry builds, or of a commit that is not HEAD, are refused")
    func mixedSets() throws {
        let registry = try FixtureRegistry.withExampleProducts(Self.products)
        defer { registry.remove() }
        let first = try save(registry, "s1", "--shard", "1/2")
        let second = try save(registry, "s2", "--shard", "2/2")
        let checked = try registry.git("rev-parse", "HEAD")
        try registry.git("commit", "--quiet", "--allow-empty", "-m", "A later commit")
        let head = try registry.git("rev-parse", "HEAD")
        let stale = try merge(registry, [first, second])
        #expect(stale.status == 2, "a complete set of an older commit must not gate HEAD")
        #expect(stale.stderr.contains(String(checked.prefix(12))) && stale.stderr.contains(String(head.prefix(12))), "\(stale.stderr)")
        #expect(stale.stdout.isEmpty)
        let told = try registry.registry(["check", "--merge", first, second, "--at", String(checked.prefix(12))])
        #expect(told.status != 2, "naming the shards' commit with --at gates that commit: \(told.stderr)")
        #expect(told.stdout.contains("3 products checked"))
        let later = try save(registry, "s2-later", "--shard", "2/2")
        let mixedCommit = try merge(registry, [first, later])
        #expect(mixedCommit.status == 2)
        #expect(mixedCommit.stderr.contains("checked commit"), "\(mixedCommit.stderr)")

        // A shard made under other policy parameters or by another binary, as a stale artifact would be.
        let text = try String(contentsOfFile: second, encoding: .utf8)
        let original = try JSONDecoder().decode(ShardResult.self, from: Data(text.utf8))
        let otherPolicy = registry.url.appendingPathComponent(".registry/s2-policy.json").path
        try text.replacingOccurrences(of: original.policy_sha256, with: String(repeating: "0", count: 64))
            .write(toFile: otherPolicy, atomically: true, encoding: .utf8)
        let mixedPolicy = try merge(registry, [first, otherPolicy])
        #expect(mixedPolicy.status == 2)
        #expect(mixedPolicy.stderr.contains("different policy parameters"), "\(mixedPolicy.stderr)")

        let otherBuild = registry.url.appendingPathComponent(".registry/s2-build.json").path
        try text.replacingOccurrences(of: try #require(original.registry_build), with: "0.0.9 sha256:00")
            .write(toFile: otherBuild, atomically: true, encoding: .utf8)
        let mixedBuild = try merge(registry, [first, otherBuild])
        #expect(mixedBuild.status == 2)
        #expect(mixedBuild.stderr.contains("registry build"), "\(mixedBuild.stderr)")

        // A shard cut short (one product dropped) no longer adds up to the selection.
        let cut = registry.url.appendingPathComponent(".registry/s2-cut.json").path
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var shortened = object
        shortened["products"] = []
        try JSONSerialization.data(withJSONObject: shortened).write(to: URL(fileURLWithPath: cut))
        let incomplete = try merge(registry, [first, cut])
        #expect(incomplete.status == 2)
        #expect(incomplete.stderr.contains("cut short"), "\(incomplete.stderr)")
    }
}
