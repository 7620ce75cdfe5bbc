import Foundation
import GRDB
import Testing
@testable import RegistryIndex
import TestSupport

@Suite("Registry index")
struct RegistryDatabaseTests {
    private func version(_ product: String, _ commit: String, _ position: Int) -> ProductVersionRecord {
        ProductVersionRecord(productID: product, commitID: commit, position: position, treeID: "t\(commit)",
                             contentDigest: String(repeating: "a", count: 64), versionLabel: "1.0.\(position)",
                             authorName: "Ana", authorEmail: "ana@example.org",
                             authoredAt: Date(timeIntervalSince1970: 1_700_000_000),
                             committedAt: Date(timeIntervalSince1970: 1_700_000_000), message: "m")
    }

    @Test("an index update records commits, histories and the HEAD snapshot together")
    func indexUpdate() throws {
        let db = try RegistryDatabase.inMemory()
        let head = ProductHeadRecord(productID: "hotspots", commitID: "c2", treeID: "t2",
                                     contentDigest: "d", manifestJSON: "{}", manifestError: nil,
                                     name: "Hotspots", status: "in-use", versionLabel: "1.1.0")
        try db.applyIndexUpdate(head: "c2", newCommits: ["c1", "c2"],
                                histories: ["hotspots": [version("hotspots", "c2", 0), version("hotspots", "c1", 1)]],
                                heads: [head], removedProducts: [], expectedHead: nil)
        #expect(try db.indexedCommits(among: ["c0", "c1", "c2"]) == ["c1", "c2"])
        #expect(try db.indexedHead() == "c2")
        #expect(try db.versions(of: "hotspots").map(\.commitID) == ["c2", "c1"])
        #expect(try db.headProduct("hotspots")?.versionLabel == "1.1.0")

        #expect(throws: IndexError.self, "an update computed from an older head is refused") {
            try db.applyIndexUpdate(head: "c3", newCommits: ["c3"], histories: [:], heads: [], removedProducts: [], expectedHead: "c1")
        }
        #expect(try db.indexedHead() == "c2")

        try db.clearRebuildable()
        #expect(try db.indexedCommits(among: ["c1", "c2"]).isEmpty)
        #expect(try db.headProducts().isEmpty)
    }

    @Test("an update rewrites only the heads it names; every head reads as of the newest indexed commit")
    func partialHeadUpdate() throws {
        let db = try RegistryDatabase.inMemory()
        func head(_ id: String, _ commit: String, _ label: String) -> ProductHeadRecord {
            ProductHeadRecord(productID: id, commitID: commit, treeID: "t-\(id)-\(label)", contentDigest: "d",
                              manifestJSON: "{}", manifestError: nil, name: id, status: "in-use", versionLabel: label)
        }
        try db.applyIndexUpdate(head: "c1", newCommits: ["c1"], histories: [:],
                                heads: [head("alpha", "c1", "1.0.0"), head("beta", "c1", "1.0.0"), head("gamma", "c1", "1.0.0")],
                                removedProducts: [], expectedHead: nil)
        try db.applyIndexUpdate(head: "c2", newCommits: ["c2"], histories: [:], heads: [head("beta", "c2", "1.1.0")],
                                removedProducts: ["gamma"], expectedHead: "c1")
        let heads = try db.headProducts()
        #expect(heads.map(\.productID) == ["alpha", "beta"])
        #expect(heads.map(\.versionLabel) == ["1.0.0", "1.1.0"])
        #expect(heads.allSatisfy { $0.commitID == "c2" })
        #expect(try db.headProduct("alpha")?.commitID == "c2")
        #expect(try db.headProduct("gamma") == nil)
        #expect(try db.headProductCount() == 2)
        #expect(try db.headProductIDs() == ["alpha", "beta"])
        #expect(try db.headSummaries().map(\.versionLabel) == ["1.0.0", "1.1.0"])
    }

    @Test("clearing the rebuildable part keeps runs and the audit log")
    func rebuildKeepsOwnedHistory() throws {
        let db = try RegistryDatabase.inMemory()
        let run = try db.insertRun(RunRecord(productID: "p1", treeID: "t", contentDigest: "d",
                                             startedAt: Date(), succeeded: true, recordJSON: "{}"))
        try db.appendAudit(actor: "ana", command: "register", detail: "p1", commitID: "c1")
        try db.clearRebuildable()
        #expect(try db.runs(of: "p1").map(\.id) == [run.id])
        #expect(try db.auditEntries().count == 1)
    }

    @Test("an untouched audit log verifies")
    func auditIntact() throws {
        let db = try RegistryDatabase.inMemory()
        for index in 1...5 {
            try db.appendAudit(actor: "ana", command: "register", detail: "product \(index)", commitID: "c\(index)")
        }
        let verdict = try db.verifyAudit()
        #expect(verdict.intact)
        #expect(verdict.entryCount == 5)
    }

    @Test("editing, deleting or reordering audit entries is detected",
          arguments: ["edit", "delete-middle", "delete-last", "reorder"])
    func auditTampering(kind: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("index.sqlite")
        let db = try RegistryDatabase.open(at: url)
        for index in 1...4 {
            try db.appendAudit(actor: "ana", command: "register", detail: "product \(index)", commitID: "c\(index)")
        }
        let raw = try DatabaseQueue(path: url.path)
        try raw.write { sql in
            switch kind {
            case "edit":
                try sql.execute(sql: "UPDATE audit_entry SET actor = 'mallory' WHERE sequence = 2")
            case "delete-middle":
                try sql.execute(sql: "DELETE FROM audit_entry WHERE sequence = 2")
            case "delete-last":
                try sql.execute(sql: "DELETE FROM audit_entry WHERE sequence = 4")
            default:
                try sql.execute(sql: "UPDATE audit_entry SET sequence = 100 WHERE sequence = 2")
                try sql.execute(sql: "UPDATE audit_entry SET sequence = 2 WHERE sequence = 3")
                try sql.execute(sql: "UPDATE audit_entry SET sequence = 3 WHERE sequence = 100")
            }
        }
        let verdict = try RegistryDatabase.open(at: url).verifyAudit()
        #expect(!verdict.intact)
        #expect(!verdict.problems.isEmpty)
    }

    @Test("a file that is not a database is reported as corrupt")
    func corruptFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("index.sqlite")
        try Data(repeating: 0x41, count: 8192).write(to: url)
        #expect {
            _ = try RegistryDatabase.open(at: url)
        } throws: { error in
            guard case .corrupt = error as? IndexError else { return false }
            return true
        }
    }

    @Test("check results are found again by their cache key")
    func checkCache() throws {
        let db = try RegistryDatabase.inMemory()
        let check = CheckRecord(cacheKey: "k1", productID: "p1", treeID: "t1", contentDigest: "d1", passed: false,
                                checkedAt: Date(timeIntervalSince1970: 10), runID: nil, resultJSON: "{\"passed\":false}")
        try db.storeCheck(check)
        #expect(try db.cachedCheck(key: "k1") == check)
        #expect(try db.cachedCheck(key: "k2") == nil)
        #expect(try db.latestCheck(of: "p1")?.cacheKey == "k1")
    }
}
