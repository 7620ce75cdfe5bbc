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

    @Test("clearing the rebuildable part keeps runs and the audit witness")
    func rebuildKeepsOwnedHistory() throws {
        let db = try RegistryDatabase.inMemory()
        let run = try db.insertRun(RunRecord(productID: "p1", treeID: "t", contentDigest: "d",
                                             startedAt: Date(), succeeded: true, recordJSON: "{}"))
        try db.setAuditWitness("3 abc")
        try db.clearRebuildable()
        #expect(try db.runs(of: "p1").map(\.id) == [run.id])
        #expect(try db.auditWitness() == "3 abc")
    }

    /// Five chained entries, as the registry writes them.
    private func chain(_ count: Int) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for index in 1...count {
            entries.append(AuditChain.entry(after: entries.last, actor: "Ana <ana@example.org>", command: "register",
                                            detail: "product \(index)\nwith a second line \\ and a backslash",
                                            commitID: "c\(index)", at: Date(timeIntervalSince1970: Double(index))))
        }
        return entries
    }

    @Test("an entry survives its commit message unchanged, and an untouched chain verifies against its witness")
    func auditIntact() throws {
        let entries = chain(5)
        #expect(entries.map { AuditChain.entry(fromMessage: AuditChain.message(for: $0)) } == entries)
        #expect(AuditChain.message(for: entries[0]).hasPrefix("registry register: product 1\n\nSequence: 1\n"))
        #expect(AuditChain.verify(entries, witness: "5 \(entries[4].hash)").isEmpty)
        #expect(AuditChain.verify(entries, witness: "2 \(entries[1].hash)").isEmpty)
        #expect(AuditChain.entry(fromMessage: "Register a product\n\nRegistry-Command: register p1\n") == nil)
    }

    @Test("editing, deleting, reordering or rewinding audit entries is detected",
          arguments: ["edit", "delete-middle", "delete-last", "reorder"])
    func auditTampering(kind: String) throws {
        var entries = chain(4)
        let witness = "4 \(entries[3].hash)"
        switch kind {
        case "edit": entries[1].actor = "Mallory <m@example.org>"
        case "delete-middle": entries.remove(at: 1)
        case "delete-last": entries.removeLast()
        default: entries.swapAt(1, 2)
        }
        #expect(!AuditChain.verify(entries, witness: witness).isEmpty)
    }

    @Test("a damaged page in the index is reported as corrupt, naming index --rebuild")
    func damagedPage() throws {
        let directory = try makeTemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("index.sqlite")
        let db = try RegistryDatabase.open(at: url)
        for index in 0..<400 {
            _ = try db.insertRun(RunRecord(productID: "p\(index % 7)", treeID: String(repeating: "t", count: 200), contentDigest: "d",
                                           startedAt: Date(), succeeded: true, recordJSON: String(repeating: "x", count: 300)))
        }
        let raw = try DatabaseQueue(path: url.path)
        try raw.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let handle = try FileHandle(forUpdating: url)
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2 - 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 16_384))
        try handle.close()
        let reopened = try RegistryDatabase.open(at: url)
        #expect {
            for id in 0..<7 { _ = try reopened.runs(of: "p\(id)", limit: 1000) }
        } throws: { error in
            guard case .corrupt = error as? IndexError else { return false }
            return (error as? IndexError)?.message.contains("registry index --rebuild") == true
        }
        #expect(throws: IndexError.self) { try RegistryDatabase.open(at: url, verifyingIntegrity: true) }
    }

    @Test("closing leaves the write-ahead log unsynced and in place; the next opening reads its commits")
    func logKeptOnClose() throws {
        let directory = try makeTemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("index.sqlite")
        let run = RunRecord(productID: "p", treeID: "t", contentDigest: "d", startedAt: Date(timeIntervalSince1970: 5),
                            succeeded: true, recordJSON: "{}")
        do {
            let db = try RegistryDatabase.open(at: url)
            _ = try db.insertRun(run)
        }
        var log = stat(), database = stat()
        #expect(stat(url.path + "-wal", &log) == 0 && log.st_size > 0, "the log was deleted on close")
        // Not checkpointed either: the tables and the run are still only in the log.
        #expect(stat(url.path, &database) == 0 && database.st_size <= 4096, "\(database.st_size) bytes")
        #expect(try RegistryDatabase.open(at: url).runs(of: "p").count == 1)

        // A log whose database was removed by hand belongs to the removed file and is discarded.
        unlink(url.path)
        let fresh = try RegistryDatabase.open(at: url)
        #expect(try fresh.runs(of: "p").isEmpty)
        #expect(try fresh.indexedHead() == nil)
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
