internal import CLibgit2
import Foundation

/// A registry's git repository, opened through libgit2.
///
/// Not Sendable: libgit2 repository handles must stay on one task. Open one per task instead
/// (opening is cheap), which is also what lets two processes or tasks commit side by side.
public final class GitRepository {
    let handle: Owned<OpaquePointer>
    /// The root of the working tree (the folder holding `.git`).
    public let workingDirectory: URL
    /// The environment git would see; it decides the commit identity the way the `git` CLI does.
    let environment: [String: String]
    /// Size and SHA-256 of blobs already read for a content digest. A blob id names its content,
    /// so an entry never goes stale; versions of a product mostly share their files.
    var blobDigests: [BlobID: (size: Int, sha256: String)] = [:]
    /// The `Products` trees of the last two commits read, newest first: a walk compares each commit
    /// with its parent, so every such tree (large, and stored as a delta) is read once, not twice.
    var recentProductsTrees: [(commit: CommitID, tree: RawTree?)] = []
    /// The object database, opened on first use by `objectDatabase()`.
    private var openedObjectDatabase: Owned<OpaquePointer>?

    private init(handle: Owned<OpaquePointer>, environment: [String: String]) throws {
        self.handle = handle
        self.environment = environment
        guard let workdir = git_repository_workdir(handle.pointer) else {
            let path = String(cString: git_repository_path(handle.pointer))
            throw GitError(.bareRepository, .environment,
                           "The repository at '\(path)' is bare (it has no working tree); run the registry inside a checkout of the registry instead.")
        }
        workingDirectory = URL(fileURLWithPath: String(cString: workdir), isDirectory: true).standardizedFileURL
    }

    /// Finds the repository containing `directory` by walking up its parents, as `git` does.
    ///
    /// - Parameter environment: the environment for identity lookup (`GIT_AUTHOR_NAME`,
    ///   `GIT_CONFIG_GLOBAL`, …); the process environment unless a caller needs another.
    public static func discover(from directory: URL,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> GitRepository {
        _ = libgit2Runtime
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let code = git_repository_discover(&buffer, directory.path, 0, nil)
        if code == GIT_ENOTFOUND.rawValue {
            throw GitError(.notARepository, .environment,
                           "No git repository contains '\(directory.path)'; run the registry inside a registry checkout or pass --repo PATH.")
        }
        try check(code, "looking for the repository containing '\(directory.path)'")
        return try open(gitPath: String(cString: buffer.ptr), shownAs: directory.path, environment: environment)
    }

    /// Opens the repository whose working tree (or `.git` folder) is exactly `url`, without searching parents.
    public static func open(at url: URL,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> GitRepository {
        _ = libgit2Runtime
        return try open(gitPath: url.path, shownAs: url.path, environment: environment)
    }

    private static func open(gitPath: String, shownAs shown: String, environment: [String: String]) throws -> GitRepository {
        var pointer: OpaquePointer?
        let code = git_repository_open_ext(&pointer, gitPath, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil)
        if code == GIT_ENOTFOUND.rawValue {
            throw GitError(.notARepository, .environment,
                           "'\(shown)' is not a git repository; run the registry inside a registry checkout or pass --repo PATH.")
        }
        try check(code, "opening the repository at '\(shown)'")
        guard let pointer else { throw GitError.library(code, while: "opening the repository at '\(shown)'") }
        return try GitRepository(handle: Owned(pointer, release: git_repository_free), environment: environment)
    }

    var pointer: OpaquePointer { handle.pointer }

    // MARK: Revisions

    /// The commit a revision names: `HEAD`, a branch, a tag, or a full or abbreviated commit id.
    public func resolve(_ revision: String) throws -> CommitID {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, pointer, revision)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EAMBIGUOUS.rawValue || code == GIT_EINVALIDSPEC.rawValue
            || code == GIT_EUNBORNBRANCH.rawValue {
            let why = code == GIT_EAMBIGUOUS.rawValue ? "is ambiguous" : "does not name a commit"
            throw GitError(.unknownRevision, .usage,
                           "The revision '\(revision)' \(why) in '\(workingDirectory.path)'; pass a branch, tag or commit id listed by git log.")
        }
        try check(code, "resolving the revision '\(revision)'")
        guard let object else { throw GitError.library(code, while: "resolving the revision '\(revision)'") }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        let peeled = git_object_peel(&commit, object, GIT_OBJECT_COMMIT)
        guard peeled == 0, let commit else {
            throw GitError(.unknownRevision, .usage,
                           "The revision '\(revision)' names a git object that is not a commit; pass a branch, tag or commit id listed by git log.")
        }
        defer { git_object_free(commit) }
        return CommitID(git_object_id(commit).pointee)
    }

    /// The commit HEAD points at, or nil while the current branch has no commits yet.
    public func head() throws -> CommitID? {
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, pointer, "HEAD")
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EUNBORNBRANCH.rawValue { return nil }
        try check(code, "reading HEAD")
        return CommitID(oid)
    }

    // MARK: Shallow clones

    /// The commits at the edge of a shallow clone (`git clone --depth N`, a CI checkout's default):
    /// their parents were never fetched. Empty for a complete repository.
    ///
    /// libgit2 1.5 does not graft the `shallow` file as git does, so every walk here asks
    /// `parents(of:)`, which treats these commits as roots.
    public private(set) lazy var shallowBoundary: Set<CommitID> = {
        let file = String(cString: git_repository_commondir(pointer)) + "shallow"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [] }
        return Set(text.split(whereSeparator: \.isNewline).compactMap { CommitID(hex: String($0)) })
    }()

    /// Whether this is a shallow clone, whose history stops at `shallowBoundary`.
    public var isShallow: Bool { !shallowBoundary.isEmpty }

    /// A commit's parents, first parent first; none for a commit on the shallow boundary.
    func parents(of commit: Owned<OpaquePointer>) -> [CommitID] {
        let pointer = commit.pointer
        guard !shallowBoundary.contains(CommitID(git_commit_id(pointer).pointee)) else { return [] }
        return (0..<git_commit_parentcount(pointer)).compactMap { index in
            git_commit_parent_id(pointer, index).map { CommitID($0.pointee) }
        }
    }

    // MARK: Reading commits

    func lookupCommit(_ oid: git_oid) throws -> Owned<OpaquePointer> {
        var id = oid
        return try make("reading commit \(CommitID(oid).short)", free: git_commit_free) { git_commit_lookup(&$0, pointer, &id) }
    }

    func rootTree(of commit: Owned<OpaquePointer>) throws -> Owned<OpaquePointer> {
        try make("reading the tree of commit \(CommitID(git_commit_id(commit.pointer).pointee).short)",
                 free: git_tree_free) { git_commit_tree(&$0, commit.pointer) }
    }

    func lookupTree(_ oid: git_oid) throws -> Owned<OpaquePointer> {
        var id = oid
        return try make("reading tree \(TreeID(oid).hex)", free: git_tree_free) { git_tree_lookup(&$0, pointer, &id) }
    }

    /// The repository's object database, for reading objects as stored (`RawTree`).
    func objectDatabase() throws -> OpaquePointer {
        if let openedObjectDatabase { return openedObjectDatabase.pointer }
        let odb = try make("opening the object database", free: git_odb_free) { git_repository_odb(&$0, pointer) }
        openedObjectDatabase = odb
        return odb.pointer
    }

    func lookupBlob(_ oid: git_oid) throws -> Owned<OpaquePointer> {
        var id = oid
        return try make("reading blob \(BlobID(oid).hex)", free: git_blob_free) { git_blob_lookup(&$0, pointer, &id) }
    }

    func content(ofBlob blob: Owned<OpaquePointer>) -> Data {
        withContent(ofBlob: blob) { Data($0) }
    }

    /// Runs `body` on a blob's content where libgit2 holds it, without copying it.
    func withContent<T>(ofBlob blob: Owned<OpaquePointer>, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withExtendedLifetime(blob) {
            let size = Int(git_blob_rawsize(blob.pointer))
            guard size > 0, let bytes = git_blob_rawcontent(blob.pointer) else {
                return try body(UnsafeRawBufferPointer(start: nil, count: 0))
            }
            return try body(UnsafeRawBufferPointer(start: bytes, count: size))
        }
    }

    /// The entry at a slash-separated path below a tree, or nil when nothing is there.
    func entry(at path: String, in tree: Owned<OpaquePointer>) throws -> TreeEntryRecord? {
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, tree.pointer, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "looking up '\(path)'")
        guard let entry else { return nil }
        defer { git_tree_entry_free(entry) }
        return TreeEntryRecord(entry)
    }

    /// The content of a blob, such as one entry of a `ProductTree`.
    public func readBlob(_ id: BlobID) throws -> Data {
        try content(ofBlob: lookupBlob(id.oid))
    }

    /// The content of a repository-relative file at a commit, or nil when the path does not exist there.
    ///
    /// A symlink's content is its target path, as git stores it.
    public func readFile(_ path: String, at commit: CommitID) throws -> Data? {
        let tree = try rootTree(of: lookupCommit(commit.oid))
        guard let record = try entry(at: path, in: tree) else { return nil }
        guard record.type == GIT_OBJECT_BLOB else {
            throw GitError(.notAFile, .invalidContent,
                           "'\(path)' at commit \(commit.short) is a \(record.type == GIT_OBJECT_TREE ? "folder" : "submodule"), not a file; name a file inside it.")
        }
        return try content(ofBlob: lookupBlob(record.oid))
    }

    /// The names of the folders under `Products/` at a commit, sorted bytewise.
    public func productIDs(at commit: CommitID) throws -> [String] {
        try productTreeIDs(at: commit).keys.sorted(by: bytewiseLess)
    }

    /// The tree id of every folder under `Products/` at a commit, keyed by product id.
    ///
    /// Reads only the `Products` tree, so comparing two commits' maps tells which products changed
    /// between them without diffing or hashing any file.
    public func productTreeIDs(at commit: CommitID) throws -> [String: TreeID] {
        try subfolderTreeIDs(of: productsFolder, at: commit)
    }

    /// The tree id of every folder directly under `folder` (such as `Reviews`) at a commit, keyed by
    /// name; empty when `folder` is not a folder there.
    public func subfolderTreeIDs(of folder: String, at commit: CommitID) throws -> [String: TreeID] {
        let tree = try rootTree(of: lookupCommit(commit.oid))
        guard let parent = try entry(at: folder, in: tree), parent.type == GIT_OBJECT_TREE else { return [:] }
        let parentTree = try lookupTree(parent.oid)
        var trees: [String: TreeID] = [:]
        for index in 0..<git_tree_entrycount(parentTree.pointer) {
            guard let raw = git_tree_entry_byindex(parentTree.pointer, index) else { continue }
            let record = TreeEntryRecord(raw)
            if record.type == GIT_OBJECT_TREE { trees[record.name] = TreeID(record.oid) }
        }
        return trees
    }
}

/// The folder that holds one folder per product.
let productsFolder = "Products"

/// The repository-relative folder of a product, refusing ids that could name anything else.
func productFolder(_ id: String) throws -> String {
    guard !id.isEmpty, id != ".", id != "..", !id.contains("/"), !id.contains("\0") else {
        throw GitError(.invalidProductID, .usage,
                       "'\(id)' cannot be a product id because it does not name a single folder under Products/; use an id like 'station-incident-hotspots'.")
    }
    return "\(productsFolder)/\(id)"
}

/// Orders strings by their UTF-8 bytes, the order git and the content digest use.
func bytewiseLess(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}

/// The parts of a tree entry GitStore needs, copied out so no libgit2 pointer escapes.
struct TreeEntryRecord {
    let oid: git_oid
    let mode: UInt32
    let type: git_object_t
    let name: String

    init(_ entry: OpaquePointer) {
        oid = git_tree_entry_id(entry).pointee
        mode = git_tree_entry_filemode(entry).rawValue
        type = git_tree_entry_type(entry)
        name = String(cString: git_tree_entry_name(entry))
    }

    /// Whether two entries hold the same object with the same mode, which is how git decides TREESAME.
    func holdsSameContent(as other: TreeEntryRecord) -> Bool {
        oid.same(as: other.oid) && mode == other.mode
    }
}
