import Foundation
import RegistryIndex
import RegistrySupport

/// One share of the products for `registry check --shard K/N`.
public struct CheckShard: Sendable, Equatable {
    /// One-based share number.
    public var index: Int
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
}

extension RegistryWorkspace {
    /// Combines the `check --json` results of several shards into one report, and records their
    /// results in this index so `status`, `show` and `catalog build` can use them.
    public func mergeCheckResults(_ files: [URL]) throws -> CheckReport {
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
        return try Self.merge(reports, names: files.map(\.path), store: { result in
            try index.storeCheck(CheckRecord(cacheKey: SHA256Hex.of(try CanonicalJSON.encode(result)), productID: result.id,
                                             treeID: result.tree, contentDigest: result.contentDigest, passed: result.passed,
                                             checkedAt: Date(), runID: nil, resultJSON: try CanonicalJSON.string(result)))
        })
    }

    /// Merges shard reports: same commit and policy, no product twice.
    static func merge(_ reports: [CheckReport], names: [String],
                      store: (ProductCheckResult) throws -> Void = { _ in }) throws -> CheckReport {
        guard let first = reports.first else { throw CoreError.invalidArgument("--merge needs at least one results file.") }
        var seen: [String: String] = [:]
        var products: [ProductCheckResult] = []
        for (report, name) in zip(reports, names) {
            guard report.commit == first.commit else {
                throw CoreError.invalidArgument("'\(name)' checked commit \(report.commit.prefix(12)) but '\(names[0])' checked \(first.commit.prefix(12)); merge results of the same commit.")
            }
            guard report.policyDigest == first.policyDigest else {
                throw CoreError.invalidArgument("'\(name)' used different policy parameters from '\(names[0])'; merge results checked under the same policy.")
            }
            for product in report.products {
                if let earlier = seen[product.id] {
                    throw CoreError.invalidArgument("'\(product.id)' appears in both '\(earlier)' and '\(name)'; each product must be checked by exactly one shard.")
                }
                seen[product.id] = name
                try store(product)
                products.append(product)
            }
        }
        products.sort { $0.id < $1.id }
        let findings = products.flatMap(\.findings)
        return CheckReport(passed: products.allSatisfy(\.passed), commit: first.commit, policyDigest: first.policyDigest,
                           products: products, errorCount: findings.filter { $0.severity == .error }.count,
                           warningCount: findings.filter { $0.severity == .warning }.count)
    }
}
