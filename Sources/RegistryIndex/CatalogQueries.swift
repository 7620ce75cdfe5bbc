import Foundation
import GRDB

/// What the catalog needs to know cheaply about a product's indexed history and checks, to tell
/// whether its rendered parts are still current.
public struct CatalogProductStamp: Sendable, Hashable {
    public var productID: String
    /// The commit of the newest version, which fixes the whole history before it.
    public var newestCommit: String?
    public var versionCount: Int
    /// The cache key and time of the latest check of the product's HEAD tree, if any.
    public var latestCheck: String?
}

extension RegistryDatabase {
    /// For every product at the indexed HEAD: its newest version, how many versions it has and
    /// which check of its HEAD tree is the latest, in one query.
    public func catalogStamps() throws -> [String: CatalogProductStamp] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT h.product_id,
                  (SELECT v.commit_id FROM product_version v WHERE v.product_id = h.product_id ORDER BY v.position LIMIT 1) AS newest,
                  (SELECT COUNT(*) FROM product_version v WHERE v.product_id = h.product_id) AS versions,
                  (SELECT c.cache_key || ' ' || c.checked_at FROM check_result c
                     WHERE c.product_id = h.product_id AND c.tree_id = h.tree_id
                     ORDER BY c.checked_at DESC LIMIT 1) AS latest_check
                FROM product_head h
                """)
            var stamps: [String: CatalogProductStamp] = [:]
            for row in rows {
                let id: String = row["product_id"]
                stamps[id] = CatalogProductStamp(productID: id, newestCommit: row["newest"], versionCount: row["versions"],
                                                 latestCheck: row["latest_check"])
            }
            return stamps
        }
    }

    /// The versions of several products at once, each newest first.
    public func versions(of ids: [String]) throws -> [String: [ProductVersionRecord]] {
        try read { db in
            let records = try ProductVersionRecord.filter(ids.contains(Column("product_id")))
                .order(Column("product_id"), Column("position")).fetchAll(db)
            return Dictionary(grouping: records, by: \.productID)
        }
    }

    /// The latest check of each given product at the given tree, keyed by product id.
    public func latestChecks(of trees: [String: String]) throws -> [String: CheckRecord] {
        try read { db in
            let records = try CheckRecord.filter(Array(trees.keys).contains(Column("product_id")))
                .order(Column("checked_at").desc).fetchAll(db)
            var latest: [String: CheckRecord] = [:]
            for record in records where latest[record.productID] == nil && trees[record.productID] == record.treeID {
                latest[record.productID] = record
            }
            return latest
        }
    }
}
