import Foundation
import RegistryIndex
import RegistrySupport

/// One share of the products for `registry check --shard K/N`.
public struct CheckShard: Sendable, Equatable {
    /// One-based share number.
    public var index: Int
    /// How many shares the products are split into.
    public var count: Int

    /// Parses `K/N` with 1 ≤ K ≤ N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (1...count).contains(index) else {
            throw CoreError.invalidArgument("--shard '\(text)' must be K/N with 1 ≤ K ≤ N, for example --shard 2/4.")
        }
        self.index = index
        self.count = count
    }

    /// The products in this share: sorted ids dealt round-robin, so every runner computes the same
    /// partition from git alone and the shares differ in size by at most one.
    public func select(_ ids: [String]) -> [String] {
        ids.sorted().enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }

    /// What a shard result records about this share of `selection` (all the products being split).
    func record(of selection: [String]) -> CheckShardRecord {
        CheckShardRecord(index: index, count: count, selectionDigest: CheckShardRecord.digest(of: selection),
                         selectionCount: selection.count)
    }
}

/// The share a `check --shard K/N --json` result covers, so `--merge` can prove the shards it is
/// given are exactly shares 1…N of one selection of products.
public struct CheckShardRecord: Codable, Sendable, Equatable {
    /// K: this share's number, from 1.
    public var index: Int
    /// N: how many shares the selection was split into.
    public var count: Int
    /// SHA-256 of the sorted ids of every product being split (all shares together), one per line.
    public var selectionDigest: String
    /// How many products all shares together cover.
    public var selectionCount: Int

    enum CodingKeys: String, CodingKey {
        case index, count
        case selectionDigest = "selection_sha256"
        case selectionCount = "selection_count"
    }

    static func digest(of ids: [String]) -> String {
        SHA256Hex.of(ids.sorted().map { $0 + "\n" }.joined())
    }
}

extension RegistryWorkspace {
    /// Combines the `check --json` results of shards 1…N into one report, and records their
    /// results in this index so `status`, `show` and `catalog build` can use them.
    ///
    /// The shards must have checked every product at `revision` (HEAD when nil): a complete set of
    /// an older commit, or of a split of only some ids, would otherwise pass the gate for products it
    /// never saw.
    public func mergeCheckResults(_ files: [URL], at revision: String?) throws -> CheckReport {
        guard !files.isEmpty else { throw CoreError.invalidArgument("--merge needs at least one results file.") }
        var reports: [CheckReport] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw CoreError.fileProblem(path: file.path, detail: "the results file cannot be read")
            }
            do {
                reports.append(try JSONDecoder().decode(CheckReport.self, from: data))
            } catch {
                throw CoreError.fileProblem(path: file.path, detail: "it is not the JSON of 'registry check --json'; pass the files the shards wrote")
            }
        }
        let merged = try Self.merge(reports, names: files.map(\.path))
        let expected = try targetCommit(revision)
        guard merged.commit == expected.hex else {
            let target = revision.map { "--at \($0)" } ?? "HEAD"
            throw CoreError.invalidArgument("The shards checked commit \(merged.commit.prefix(12)) but \(target) is commit \(expected.hex.prefix(12)); check the shards again at \(target), or pass --at \(merged.commit.prefix(12)) to gate that commit.")
        }
        let unchecked = Set(try repository.productIDs(at: expected)).subtracting(merged.products.map(\.id)).sorted()
        guard unchecked.isEmpty else {
            let named = unchecked.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (unchecked.count > 5 ? ", …" : "")
            throw CoreError.invalidArgument("The shards split only \(merged.products.count) of the \(merged.products.count + unchecked.count) products at commit \(expected.hex.prefix(12)) (not \(named)); split them all: registry check --all --shard K/N --json on each runner.")
        }
        for result in merged.products {
            try index.storeCheck(CheckRecord(cacheKey: SHA256Hex.of(try CanonicalJSON.encode(result)), productID: result.id,
                                             treeID: result.tree, contentDigest: result.contentDigest, passed: result.passed,
                                             checkedAt: Date(), runID: nil, resultJSON: try CanonicalJSON.string(result)))
        }
        return merged
    }

    /// Merges shard reports, refusing (before anything is recorded) any set that is not exactly
    /// shares 1…N of one selection, checked at one commit under one policy by one registry build,
    /// with every product of the selection checked once.
    ///
    /// A result made without `--shard` is refused even alone: it may cover only some products, and
    /// the check that made it already gave the verdict through its own exit status.
    static func merge(_ reports: [CheckReport], names: [String]) throws -> CheckReport {
        guard let first = reports.first, let firstShard = first.shard else {
            throw CoreError.invalidArgument(names.first.map(notAShard) ?? "--merge needs at least one results file.")
        }
        var shareFiles: [Int: String] = [:]
        var seen: [String: String] = [:]
        var products: [ProductCheckResult] = []
        for (report, name) in zip(reports, names) {
            guard let shard = report.shard else { throw CoreError.invalidArgument(notAShard(name)) }
            guard report.commit == first.commit else {
                throw CoreError.invalidArgument("'\(name)' checked commit \(report.commit.prefix(12)) but '\(names[0])' checked \(first.commit.prefix(12)); merge the shards of one commit.")
            }
            guard report.policyDigest == first.policyDigest else {
                throw CoreError.invalidArgument("'\(name)' used different policy parameters from '\(names[0])'; merge results checked under the same policy.")
            }
            guard report.registryBuild == first.registryBuild else {
                throw CoreError.invalidArgument("'\(name)' was checked by registry build '\(report.registryBuild ?? "unknown")' but '\(names[0])' by '\(first.registryBuild ?? "unknown")'; run every shard with the same registry binary.")
            }
            guard shard.count == firstShard.count, shard.selectionDigest == firstShard.selectionDigest else {
                throw CoreError.invalidArgument("'\(name)' is shard \(shard.index)/\(shard.count) of \(shard.selectionCount) products but '\(names[0])' is shard \(firstShard.index)/\(firstShard.count) of \(firstShard.selectionCount); merge the shards of one split, all run with the same product ids and N.")
            }
            if let earlier = shareFiles[shard.index] {
                throw CoreError.invalidArgument("'\(earlier)' and '\(name)' are both shard \(shard.index)/\(shard.count); pass each shard's result exactly once.")
            }
            shareFiles[shard.index] = name
            for product in report.products {
                if let earlier = seen[product.id] {
                    throw CoreError.invalidArgument("'\(product.id)' appears in both '\(earlier)' and '\(name)'; each product must be checked by exactly one shard.")
                }
                seen[product.id] = name
                products.append(product)
            }
        }
        let missing = (1...firstShard.count).filter { shareFiles[$0] == nil }
        guard missing.isEmpty else {
            let list = missing.map { "\($0)/\(firstShard.count)" }.joined(separator: ", ")
            throw CoreError.invalidArgument("Shard\(missing.count == 1 ? "" : "s") \(list) of commit \(first.commit.prefix(12)) \(missing.count == 1 ? "is" : "are") missing; pass the results of all \(firstShard.count) shards.")
        }
        guard CheckShardRecord.digest(of: products.map(\.id)) == firstShard.selectionDigest else {
            throw CoreError.invalidArgument("The shards' \(products.count) products are not the \(firstShard.selectionCount) products they were split from; a results file was edited or cut short, so check its shard again.")
        }
        products.sort { $0.id < $1.id }
        let findings = products.flatMap(\.findings)
        return CheckReport(passed: products.allSatisfy(\.passed), commit: first.commit, policyDigest: first.policyDigest,
                           shard: nil, registryBuild: first.registryBuild, products: products,
                           errorCount: findings.filter { $0.severity == .error }.count,
                           warningCount: findings.filter { $0.severity == .warning }.count)
    }

    private static func notAShard(_ name: String) -> String {
        "'\(name)' is not the result of a 'check --shard K/N --json' (it records no shard, so it may cover only some products); merge only shard results, or gate on the unsharded check's own exit status."
    }
}
