import GRDB

/// A product at the indexed HEAD without its manifest, for listings that show every product.
public struct ProductHeadSummary: Codable, Sendable, Hashable, FetchableRecord {
    public var productID: String
    public var treeID: String
    public var contentDigest: String
    public var manifestError: String?
    public var name: String?
    public var status: String?
    public var versionLabel: String?

    enum CodingKeys: String, CodingKey {
        case productID = "product_id", treeID = "tree_id", contentDigest = "content_digest"
        case manifestError = "manifest_error", name, status, versionLabel = "version_label"
    }
}

extension RegistryDatabase {
    /// How many products the indexed HEAD holds.
    public func headProductCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM product_head") ?? 0 }
    }

    /// The ids of the products at the indexed HEAD.
    public func headProductIDs() throws -> Set<String> {
        try read { db in Set(try String.fetchAll(db, sql: "SELECT product_id FROM product_head")) }
    }

    /// Every product at the indexed HEAD without its manifest, sorted by id.
    public func headSummaries() throws -> [ProductHeadSummary] {
        try read { db in
            try ProductHeadSummary.fetchAll(db, sql: """
                SELECT product_id, tree_id, content_digest, manifest_error, name, status, version_label
                FROM product_head ORDER BY product_id
                """)
        }
    }

    /// Which of these commits the index has already processed.
    public func indexedCommits(among commits: [String]) throws -> Set<String> {
        try read { db in
            var indexed = Set<String>()
            // SQLite limits the number of parameters of one statement.
            for start in stride(from: 0, to: commits.count, by: 500) {
                let batch = Array(commits[start..<min(start + 500, commits.count)])
                let placeholders = Array(repeating: "?", count: batch.count).joined(separator: ",")
                indexed.formUnion(try String.fetchAll(db, sql: "SELECT commit_id FROM indexed_commit WHERE commit_id IN (\(placeholders))",
                                                      arguments: StatementArguments(batch)))
            }
            return indexed
        }
    }
}
