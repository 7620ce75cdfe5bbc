import Foundation
import GRDB

/// One product version: a commit where the tree of `Products/<id>` changed.
public struct ProductVersionRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "product_version"

    public var productID: String
    public var commitID: String
    /// Position in the product's history, 0 = newest.
    public var position: Int
    public var treeID: String
    public var contentDigest: String
    public var versionLabel: String?
    public var authorName: String
    public var authorEmail: String
    public var authoredAt: Date
    public var committedAt: Date
    public var message: String
    /// Field-level manifest changes from the previous version, as JSON, when both manifests decode.
    public var changesJSON: String?

    enum CodingKeys: String, CodingKey {
        case productID = "product_id", commitID = "commit_id", position
        case treeID = "tree_id", contentDigest = "content_digest", versionLabel = "version_label"
        case authorName = "author_name", authorEmail = "author_email"
        case authoredAt = "authored_at", committedAt = "committed_at", message
        case changesJSON = "changes_json"
    }

    public init(productID: String, commitID: String, position: Int, treeID: String, contentDigest: String,
                versionLabel: String?, authorName: String, authorEmail: String, authoredAt: Date,
                committedAt: Date, message: String, changesJSON: String? = nil) {
        self.productID = productID; self.commitID = commitID; self.position = position
        self.treeID = treeID; self.contentDigest = contentDigest; self.versionLabel = versionLabel
        self.authorName = authorName; self.authorEmail = authorEmail; self.authoredAt = authoredAt
        self.committedAt = committedAt; self.message = message; self.changesJSON = changesJSON
    }
}

extension ProductVersionRecord {
    /// An insertion of one row with every column, for a statement prepared once and run per version
    /// (the record's own `insert` encodes it through `Codable` each time).
    static let insertSQL = """
        INSERT INTO product_version(product_id, commit_id, position, tree_id, content_digest, version_label,
                                    author_name, author_email, authored_at, committed_at, message, changes_json)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// The values `insertSQL` takes, in its order.
    var insertArguments: StatementArguments {
        [productID, commitID, position, treeID, contentDigest, versionLabel, authorName, authorEmail,
         authoredAt, committedAt, message, changesJSON]
    }
}

/// A product as it stands at the indexed HEAD, for fast `list`, `show` and `status`.
public struct ProductHeadRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "product_head"

    public var productID: String
    public var commitID: String
    public var treeID: String
    public var contentDigest: String
    /// The manifest as canonical JSON, or nil when it does not decode (see `manifestError`).
    public var manifestJSON: String?
    public var manifestError: String?
    public var name: String?
    public var status: String?
    public var versionLabel: String?

    enum CodingKeys: String, CodingKey {
        case productID = "product_id", commitID = "commit_id", treeID = "tree_id"
        case contentDigest = "content_digest", manifestJSON = "manifest_json"
        case manifestError = "manifest_error", name, status, versionLabel = "version_label"
    }

    public init(productID: String, commitID: String, treeID: String, contentDigest: String,
                manifestJSON: String?, manifestError: String?, name: String?, status: String?,
                versionLabel: String?) {
        self.productID = productID; self.commitID = commitID; self.treeID = treeID
        self.contentDigest = contentDigest; self.manifestJSON = manifestJSON
        self.manifestError = manifestError; self.name = name; self.status = status
        self.versionLabel = versionLabel
    }
}

/// One sandboxed run of a product, as recorded evidence.
public struct RunRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"

    public var id: Int64?
    public var productID: String
    public var treeID: String
    public var contentDigest: String
    public var startedAt: Date
    /// Whether the run finished normally with every declared output.
    public var succeeded: Bool
    /// The full run record (inputs, outputs, limits, isolation) as canonical JSON.
    public var recordJSON: String

    enum CodingKeys: String, CodingKey {
        case id, productID = "product_id", treeID = "tree_id", contentDigest = "content_digest"
        case startedAt = "started_at", succeeded, recordJSON = "record_json"
    }

    public init(id: Int64? = nil, productID: String, treeID: String, contentDigest: String,
                startedAt: Date, succeeded: Bool, recordJSON: String) {
        self.id = id; self.productID = productID; self.treeID = treeID
        self.contentDigest = contentDigest; self.startedAt = startedAt
        self.succeeded = succeeded; self.recordJSON = recordJSON
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The result of checking one product, cached by everything that could change it.
public struct CheckRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "check_result"

    /// SHA-256 over tree, content digest, samples, policy parameters and tool version.
    public var cacheKey: String
    public var productID: String
    public var treeID: String
    public var contentDigest: String
    public var passed: Bool
    public var checkedAt: Date
    public var runID: Int64?
    /// The full result (findings, disparity tables) as canonical JSON.
    public var resultJSON: String

    enum CodingKeys: String, CodingKey {
        case cacheKey = "cache_key", productID = "product_id", treeID = "tree_id"
        case contentDigest = "content_digest", passed, checkedAt = "checked_at"
        case runID = "run_id", resultJSON = "result_json"
    }

    public init(cacheKey: String, productID: String, treeID: String, contentDigest: String, passed: Bool,
                checkedAt: Date, runID: Int64?, resultJSON: String) {
        self.cacheKey = cacheKey; self.productID = productID; self.treeID = treeID
        self.contentDigest = contentDigest; self.passed = passed; self.checkedAt = checkedAt
        self.runID = runID; self.resultJSON = resultJSON
    }
}

/// One entry of the audit trail; `hash` chains it to the entry before. The git trail carries entries
/// in commit messages; the `audit_entry` table only holds entries of releases before it, until moved there.
public struct AuditEntry: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "audit_entry"

    public var sequence: Int64
    public var recordedAt: String
    public var actor: String
    public var command: String
    public var detail: String
    public var commitID: String?
    public var previousHash: String
    public var hash: String

    enum CodingKeys: String, CodingKey {
        case sequence, recordedAt = "recorded_at", actor, command, detail
        case commitID = "commit_id", previousHash = "previous_hash", hash
    }
}
