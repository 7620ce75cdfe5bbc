import Foundation
import Glibc
import GRDB
import RegistrySupport

/// The registry's SQLite index: a cache of what git says, plus the run history and audit log it owns.
///
/// Safe to share between tasks and between processes: on disk it is a WAL-mode `DatabasePool` with a
/// busy timeout, so two `registry` processes wait for each other instead of failing.
public struct RegistryDatabase: Sendable {
    let writer: any DatabaseWriter

    /// Wraps an opened GRDB writer and brings its schema up to date.
    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// Opens (creating if needed) the index file at `url`.
    ///
    /// Throws `IndexError.corrupt` when the file is not a database or fails its integrity check, so the
    /// caller can move it aside and rebuild.
    public static func open(at url: URL) throws -> RegistryDatabase {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
        } catch {
            throw IndexError.unavailable(path: url.path, detail: error.localizedDescription)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "registry-index"
        // Creating and migrating the file is serialised between processes with an advisory lock:
        // two first commands would otherwise both try to create the same tables.
        let lock = Glibc.open(url.path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if lock >= 0 { flock(lock, LOCK_EX) }
        defer {
            if lock >= 0 {
                flock(lock, LOCK_UN)
                close(lock)
            }
        }
        do {
            let pool = try openPool(path: url.path, configuration: configuration)
            let healthy = try pool.read { db in
                try String.fetchOne(db, sql: "PRAGMA quick_check") == "ok"
            }
            guard healthy else { throw IndexError.corrupt(path: url.path, detail: "integrity check failed") }
            return try RegistryDatabase(pool)
        } catch let error as IndexError {
            throw error
        } catch let error as DatabaseError
                    where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode) {
            throw IndexError.corrupt(path: url.path, detail: error.message ?? "not a database")
        } catch {
            throw IndexError.unavailable(path: url.path, detail: "\(error)")
        }
    }

    /// Opens the pool, waiting while another process is creating the same file: switching a new
    /// database to WAL is not covered by the busy timeout, so two first commands can collide.
    private static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        var attempt = 0
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) && attempt < 100 {
                attempt += 1
                usleep(50_000)
            }
        }
    }

    /// An empty in-memory index, for tests.
    public static func inMemory() throws -> RegistryDatabase {
        try RegistryDatabase(DatabaseQueue())
    }

    /// Named migrations; released ones are never edited, new ones are appended.
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-products-runs-audit") { db in
            try db.create(table: "indexed_commit") { table in
                table.primaryKey("commit_id", .text)
            }
            try db.create(table: "product_version") { table in
                table.column("product_id", .text).notNull()
                table.column("commit_id", .text).notNull()
                table.column("position", .integer).notNull().check { $0 >= 0 }
                table.column("tree_id", .text).notNull()
                table.column("content_digest", .text).notNull()
                table.column("version_label", .text)
                table.column("author_name", .text).notNull()
                table.column("author_email", .text).notNull()
                table.column("authored_at", .datetime).notNull()
                table.column("committed_at", .datetime).notNull()
                table.column("message", .text).notNull()
                table.primaryKey(["product_id", "commit_id"])
                table.uniqueKey(["product_id", "position"])
            }
            try db.create(table: "product_head") { table in
                table.primaryKey("product_id", .text)
                table.column("commit_id", .text).notNull()
                table.column("tree_id", .text).notNull()
                table.column("content_digest", .text).notNull()
                table.column("manifest_json", .text)
                table.column("manifest_error", .text)
                table.column("name", .text)
                table.column("status", .text)
                table.column("version_label", .text)
            }
            try db.create(table: "run") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("product_id", .text).notNull().indexed()
                table.column("tree_id", .text).notNull()
                table.column("content_digest", .text).notNull()
                table.column("started_at", .datetime).notNull()
                table.column("succeeded", .boolean).notNull()
                table.column("record_json", .text).notNull()
            }
            try db.create(table: "check_result") { table in
                table.primaryKey("cache_key", .text)
                table.column("product_id", .text).notNull().indexed()
                table.column("tree_id", .text).notNull()
                table.column("content_digest", .text).notNull()
                table.column("passed", .boolean).notNull()
                table.column("checked_at", .datetime).notNull()
                table.column("run_id", .integer).references("run", onDelete: .setNull)
                table.column("result_json", .text).notNull()
            }
            try db.create(table: "audit_entry") { table in
                table.primaryKey("sequence", .integer)
                table.column("recorded_at", .text).notNull()
                table.column("actor", .text).notNull()
                table.column("command", .text).notNull()
                table.column("detail", .text).notNull()
                table.column("commit_id", .text)
                table.column("previous_hash", .text).notNull()
                table.column("hash", .text).notNull().unique()
            }
            try db.create(table: "meta") { table in
                table.primaryKey("key", .text)
                table.column("value", .text).notNull()
            }
        }
        migrator.registerMigration("v2-version-field-changes") { db in
            try db.alter(table: "product_version") { table in
                table.add(column: "changes_json", .text)
            }
        }
        return migrator
    }

    // MARK: Products and versions (rebuildable from git)

    /// The commits already indexed.
    public func indexedCommits() throws -> Set<String> {
        try writer.read { db in Set(try String.fetchAll(db, sql: "SELECT commit_id FROM indexed_commit")) }
    }

    /// The HEAD commit the product snapshot was taken at, if any.
    public func indexedHead() throws -> String? {
        try writer.read { db in try Self.meta(db, "indexed_head") }
    }

    /// Records one incremental indexing step atomically: new commits seen, the histories of the
    /// products they touched, and the product snapshot at `head`.
    ///
    /// `expectedHead` is the indexed head the update was computed from; when another process moved
    /// it meanwhile nothing is written and `IndexError.concurrentUpdate` asks the caller to recompute.
    public func applyIndexUpdate(head: String, newCommits: [String], histories: [String: [ProductVersionRecord]],
                                 heads: [ProductHeadRecord], expectedHead: String?) throws {
        try writer.write { db in
            guard try Self.meta(db, "indexed_head") == expectedHead else { throw IndexError.concurrentUpdate }
            for commit in newCommits {
                try db.execute(sql: "INSERT OR IGNORE INTO indexed_commit(commit_id) VALUES (?)", arguments: [commit])
            }
            for (product, versions) in histories {
                try db.execute(sql: "DELETE FROM product_version WHERE product_id = ?", arguments: [product])
                for version in versions { try version.insert(db) }
            }
            try db.execute(sql: "DELETE FROM product_head")
            for record in heads { try record.insert(db) }
            try Self.setMeta(db, "indexed_head", head)
        }
    }

    /// Forgets everything rebuildable from git; run history and the audit log stay.
    public func clearRebuildable() throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM indexed_commit")
            try db.execute(sql: "DELETE FROM product_version")
            try db.execute(sql: "DELETE FROM product_head")
            try db.execute(sql: "DELETE FROM meta WHERE key = 'indexed_head'")
        }
    }

    /// Every product at the indexed HEAD, sorted by id.
    public func headProducts() throws -> [ProductHeadRecord] {
        try writer.read { db in try ProductHeadRecord.order(Column("product_id")).fetchAll(db) }
    }

    /// One product at the indexed HEAD.
    public func headProduct(_ id: String) throws -> ProductHeadRecord? {
        try writer.read { db in try ProductHeadRecord.fetchOne(db, key: id) }
    }

    /// A product's versions, newest first.
    public func versions(of id: String) throws -> [ProductVersionRecord] {
        try writer.read { db in
            try ProductVersionRecord.filter(Column("product_id") == id).order(Column("position")).fetchAll(db)
        }
    }

    /// Everything indexed for comparisons in tests and `index --rebuild` checks: versions of every product.
    public func allVersions() throws -> [ProductVersionRecord] {
        try writer.read { db in
            try ProductVersionRecord.order(Column("product_id"), Column("position")).fetchAll(db)
        }
    }

    // MARK: Runs and checks (owned by the index)

    /// Stores a run and returns it with its id.
    public func insertRun(_ run: RunRecord) throws -> RunRecord {
        try writer.write { db in
            var run = run
            try run.insert(db)
            return run
        }
    }

    /// The most recent runs of a product, newest first.
    public func runs(of id: String, limit: Int = 20) throws -> [RunRecord] {
        try writer.read { db in
            try RunRecord.filter(Column("product_id") == id)
                .order(Column("started_at").desc, Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// A cached check result, if this exact combination was checked before.
    public func cachedCheck(key: String) throws -> CheckRecord? {
        try writer.read { db in try CheckRecord.fetchOne(db, key: key) }
    }

    /// Stores a check result under its cache key.
    public func storeCheck(_ check: CheckRecord) throws {
        try writer.write { db in try check.upsert(db) }
    }

    /// The latest check of a product at a given tree, if any.
    public func latestCheck(of id: String, tree: String? = nil) throws -> CheckRecord? {
        try writer.read { db in
            var request = CheckRecord.filter(Column("product_id") == id)
            if let tree { request = request.filter(Column("tree_id") == tree) }
            return try request.order(Column("checked_at").desc).fetchOne(db)
        }
    }

    // MARK: Audit log (owned by the index)

    /// Appends an entry chained to the previous one, inside one write transaction.
    @discardableResult
    public func appendAudit(actor: String, command: String, detail: String, commitID: String?,
                            at date: Date = Date()) throws -> AuditEntry {
        try writer.write { db in
            let last = try AuditEntry.order(Column("sequence").desc).fetchOne(db)
            let sequence = (last?.sequence ?? 0) + 1
            let previous = last?.hash ?? AuditChain.genesisHash
            let recordedAt = AuditChain.timestamp(date)
            let hash = AuditChain.hash(sequence: sequence, recordedAt: recordedAt, actor: actor, command: command,
                                       detail: detail, commitID: commitID, previousHash: previous)
            let entry = AuditEntry(sequence: sequence, recordedAt: recordedAt, actor: actor, command: command,
                                   detail: detail, commitID: commitID, previousHash: previous, hash: hash)
            try entry.insert(db)
            try Self.setMeta(db, "audit_head", "\(sequence) \(hash)")
            return entry
        }
    }

    /// The whole audit log in order.
    public func auditEntries() throws -> [AuditEntry] {
        try writer.read { db in try AuditEntry.order(Column("sequence")).fetchAll(db) }
    }

    /// Re-derives every hash and checks the chain against the recorded head.
    public func verifyAudit() throws -> AuditVerification {
        let (entries, head) = try writer.read { db in
            (try AuditEntry.order(Column("sequence")).fetchAll(db), try Self.meta(db, "audit_head"))
        }
        return AuditChain.verify(entries, recordedHead: head)
    }

    // MARK: Meta

    private static func meta(_ db: Database, _ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }

    private static func setMeta(_ db: Database, _ key: String, _ value: String) throws {
        try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key, value])
    }
}
