import CSQLiteSettings
import Foundation
import Glibc
import GRDB
import RegistrySupport

/// The registry's SQLite index: a cache of what git says, plus the run history it owns and the
/// witness of the newest audit entry this machine saw (the audit trail itself lives in git).
///
/// Safe to share between tasks and between processes: on disk it is a WAL-mode database with a busy
/// timeout, so two `registry` processes wait for each other instead of failing. Each process holds
/// one connection (a `DatabaseQueue`): a command is short, and a single read-write connection reads
/// a WAL database without writing to it, where a `DatabasePool` commits a transaction on every
/// opening so that its read-only connections find a WAL file.
public struct RegistryDatabase: Sendable {
    let writer: any DatabaseWriter
    /// The file, for messages about it.
    let path: String

    /// Wraps an opened GRDB writer and brings its schema up to date.
    public init(_ writer: any DatabaseWriter, path: String = ":memory:") throws {
        self.writer = writer
        self.path = path
        try Self.mappingErrors(path: path) { try Self.migrator.migrate(writer) }
    }

    /// Opens (creating if needed) the index file at `url`.
    ///
    /// Throws `IndexError.corrupt` when the file is not a database, or when `verifyingIntegrity` and it
    /// fails SQLite's integrity check, so the caller can move it aside and rebuild. That check reads
    /// every page, so it is for rebuilds; every other opening only reads the schema, which a file that
    /// is not a database fails.
    public static func open(at url: URL, verifyingIntegrity: Bool = false) throws -> RegistryDatabase {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
        } catch {
            throw IndexError.unavailable(path: url.path, detail: error.localizedDescription)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "registry-index"
        // What GRDB sets for WAL databases: commits are durable at checkpoints, not each on its own.
        // The log also stays when the command ends, neither checkpointed nor deleted: closing used
        // to sync the log and the database and delete the log, and the next writing command then
        // created and synced a new one, four fsyncs per command. Commits in the log survive the
        // process being killed as they did before; SQLite checkpoints when the log reaches 1,000
        // pages. Best effort: a connection that refuses only costs those fsyncs again.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            if let connection = db.sqliteConnection { _ = registry_sqlite_keep_wal_on_close(UnsafeMutableRawPointer(connection)) }
        }
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
        // A log left without its database (the file removed by hand to start afresh) belongs to the
        // removed file: SQLite would apply its pages to the new one.
        if access(url.path, F_OK) != 0 && errno == ENOENT {
            for suffix in ["-wal", "-shm"] { unlink(url.path + suffix) }
        }
        do {
            let queue = try openQueue(path: url.path, configuration: configuration)
            let healthy = try queue.read { db in
                verifyingIntegrity ? try String.fetchOne(db, sql: "PRAGMA quick_check") == "ok"
                    : try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") != nil
            }
            guard healthy else { throw IndexError.corrupt(path: url.path, detail: "integrity check failed") }
            return try RegistryDatabase(queue, path: url.path)
        } catch let error as IndexError {
            throw error
        } catch let error as DatabaseError
                    where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode) {
            throw IndexError.corrupt(path: url.path, detail: error.message ?? "not a database")
        } catch {
            throw IndexError.unavailable(path: url.path, detail: "\(error)")
        }
    }

    /// Opens the connection in WAL mode, waiting while another process is creating the same file:
    /// switching a new database to WAL is not covered by the busy timeout, so two first commands can
    /// collide. A database already in WAL mode stays as it is, untouched.
    private static func openQueue(path: String, configuration: Configuration) throws -> DatabaseQueue {
        var attempt = 0
        while true {
            do {
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                let mode = try queue.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
                guard mode == "wal" else {
                    throw IndexError.unavailable(path: path, detail: "SQLite could not switch the index to WAL mode (it reports '\(mode ?? "")')")
                }
                return queue
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

    /// The HEAD commit the product snapshot was taken at, if any.
    public func indexedHead() throws -> String? {
        try read { db in try Self.meta(db, "indexed_head") }
    }

    /// Records one incremental indexing step atomically: new commits seen, the histories of the
    /// products they touched, and the product snapshot at `head`: `heads` replace the rows of their
    /// products, `removedProducts` lose theirs, and every other product's row stands as it is.
    ///
    /// `expectedHead` is the indexed head the update was computed from; when another process moved
    /// it meanwhile nothing is written and `IndexError.concurrentUpdate` asks the caller to recompute.
    public func applyIndexUpdate(head: String, newCommits: [String], histories: [String: [ProductVersionRecord]],
                                 heads: [ProductHeadRecord], removedProducts: Set<String>, expectedHead: String?) throws {
        try write { db in
            guard try Self.meta(db, "indexed_head") == expectedHead else { throw IndexError.concurrentUpdate }
            for commit in newCommits {
                try db.execute(sql: "INSERT OR IGNORE INTO indexed_commit(commit_id) VALUES (?)", arguments: [commit])
            }
            // A rebuild inserts every version of every product: one prepared statement serves them all.
            let deleteVersions = try db.cachedStatement(sql: "DELETE FROM product_version WHERE product_id = ?")
            let insertVersion = try db.cachedStatement(sql: ProductVersionRecord.insertSQL)
            for (product, versions) in histories {
                try deleteVersions.execute(arguments: [product])
                for version in versions { try insertVersion.execute(arguments: version.insertArguments) }
            }
            for product in removedProducts {
                try db.execute(sql: "DELETE FROM product_head WHERE product_id = ?", arguments: [product])
            }
            for record in heads { try record.upsert(db) }
            try Self.setMeta(db, "indexed_head", head)
        }
    }

    /// Forgets everything rebuildable from git; run history and the audit witness stay.
    public func clearRebuildable() throws {
        try write { db in
            try db.execute(sql: "DELETE FROM indexed_commit")
            try db.execute(sql: "DELETE FROM product_version")
            try db.execute(sql: "DELETE FROM product_head")
            try db.execute(sql: "DELETE FROM meta WHERE key = 'indexed_head'")
        }
    }

    /// Every product at the indexed HEAD, sorted by id.
    public func headProducts() throws -> [ProductHeadRecord] {
        try read { db in
            try ProductHeadRecord.fetchAll(db, sql: Self.headRecordsAtIndexedHead + " ORDER BY h.product_id")
        }
    }

    /// One product at the indexed HEAD.
    public func headProduct(_ id: String) throws -> ProductHeadRecord? {
        try read { db in
            try ProductHeadRecord.fetchOne(db, sql: Self.headRecordsAtIndexedHead + " WHERE h.product_id = ?",
                                           arguments: [id])
        }
    }

    /// Head rows with `commit_id` read as the indexed HEAD: an update rewrites only the rows of the
    /// products its commits touched, so a stored row may date from an earlier head that held the
    /// same product tree.
    private static let headRecordsAtIndexedHead = """
        SELECT h.product_id, m.value AS commit_id, h.tree_id, h.content_digest, h.manifest_json,
               h.manifest_error, h.name, h.status, h.version_label
        FROM product_head h JOIN meta m ON m.key = 'indexed_head'
        """

    /// A product's versions, newest first.
    public func versions(of id: String) throws -> [ProductVersionRecord] {
        try read { db in
            try ProductVersionRecord.filter(Column("product_id") == id).order(Column("position")).fetchAll(db)
        }
    }

    /// Everything indexed for comparisons in tests and `index --rebuild` checks: versions of every product.
    public func allVersions() throws -> [ProductVersionRecord] {
        try read { db in
            try ProductVersionRecord.order(Column("product_id"), Column("position")).fetchAll(db)
        }
    }

    // MARK: Runs and checks (owned by the index)

    /// Stores a run and returns it with its id.
    public func insertRun(_ run: RunRecord) throws -> RunRecord {
        try write { db in
            var run = run
            try run.insert(db)
            return run
        }
    }

    /// The most recent runs of a product, newest first.
    public func runs(of id: String, limit: Int = 20) throws -> [RunRecord] {
        try read { db in
            try RunRecord.filter(Column("product_id") == id)
                .order(Column("started_at").desc, Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    /// A cached check result, if this exact combination was checked before.
    public func cachedCheck(key: String) throws -> CheckRecord? {
        try read { db in try CheckRecord.fetchOne(db, key: key) }
    }

    /// Stores a check result under its cache key.
    public func storeCheck(_ check: CheckRecord) throws {
        try write { db in try check.upsert(db) }
    }

    /// The latest check of a product at a given tree, if any.
    public func latestCheck(of id: String, tree: String? = nil) throws -> CheckRecord? {
        try read { db in
            var request = CheckRecord.filter(Column("product_id") == id)
            if let tree { request = request.filter(Column("tree_id") == tree) }
            return try request.order(Column("checked_at").desc).fetchOne(db)
        }
    }

    // MARK: Audit witness and the local log of earlier releases

    /// `"<sequence> <hash>"` of the newest audit entry this machine saw in the git trail, if any.
    public func auditWitness() throws -> String? {
        try read { db in try Self.meta(db, "audit_trail_witness") }
    }

    /// Remembers the newest audit entry seen, so a trail rewound or deleted later is noticed.
    public func setAuditWitness(_ witness: String) throws {
        try write { db in try Self.setMeta(db, "audit_trail_witness", witness) }
    }

    /// Entries that releases before the git trail kept only in this file, oldest first.
    public func legacyAuditEntries() throws -> [AuditEntry] {
        try read { db in try AuditEntry.order(Column("sequence")).fetchAll(db) }
    }

    /// Forgets the local log once its entries are in the git trail.
    public func clearLegacyAudit() throws {
        try write { db in
            try db.execute(sql: "DELETE FROM audit_entry")
            try db.execute(sql: "DELETE FROM meta WHERE key = 'audit_head'")
        }
    }

    // MARK: Reading and writing with the index's own errors

    /// A damaged page turns into `IndexError.corrupt` (naming `registry index --rebuild`) and any other
    /// SQLite failure into `IndexError.unavailable`, never a raw SQLite error code.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mappingErrors(path: path) { try writer.read(body) }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mappingErrors(path: path) { try writer.write(body) }
    }

    static func mappingErrors<T>(path: String, _ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let error as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode) {
            throw IndexError.corrupt(path: path, detail: error.message ?? "not a database")
        } catch let error as DatabaseError {
            throw IndexError.unavailable(path: path, detail: error.message ?? "\(error)")
        }
    }

    // MARK: Meta

    static func meta(_ db: Database, _ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
    }

    private static func setMeta(_ db: Database, _ key: String, _ value: String) throws {
        try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key, value])
    }
}
