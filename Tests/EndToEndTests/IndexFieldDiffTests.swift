import Foundation
import Testing
import TestSupport

/// The field-level changes an index rebuild stores for each version, against what `registry diff`
/// says between the same two commits: the catalog's history and `registry diff` must not disagree.
@Suite struct IndexFieldDiffTests {
    @Test func storedChangesAgreeWithDiff() throws {
        let registry = try FixtureRegistry.generated(products: 6, versions: 4)
        defer { registry.remove() }
        let rebuild = try registry.registry("index", "--rebuild")
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        let dump = try runProcess("/usr/bin/sqlite3", ["-json", ".registry/index.sqlite",
            "SELECT product_id, commit_id, position, changes_json FROM product_version ORDER BY product_id, position"],
            in: registry.url)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [[String: Any]])
        var compared = 0
        for (row, older) in zip(rows, rows.dropFirst()) {
            guard let id = row["product_id"] as? String, id == older["product_id"] as? String,
                  let stored = row["changes_json"] as? String,
                  let commit = row["commit_id"] as? String, let olderCommit = older["commit_id"] as? String else { continue }
            let diff = try registry.registry("diff", id, olderCommit, commit, "--json")
            #expect(diff.status == 0, "\(diff.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as? [String: Any])
            let reported = try #require(report["changes"] as? [[String: String]])
            let indexed = try #require(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [[String: String]])
            // The index stores the change's own coding keys (`keyPath`); `--json` output is snake_case.
            let renamed = indexed.map { change in
                Dictionary(uniqueKeysWithValues: change.map { ($0.key == "keyPath" ? "key_path" : $0.key, $0.value) })
            }
            #expect(renamed == reported, "\(id) \(olderCommit)..\(commit)")
            compared += 1
        }
        #expect(compared >= 6 * 3)
    }
}
