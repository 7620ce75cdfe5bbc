internal import CLibgit2
import Foundation

/// The outcome of committing a product folder.
public struct RegisteredCommit: Sendable, Hashable {
    /// The new commit, now at the tip of the current branch.
    public let commit: CommitID
    /// The product's tree in that commit, or nil when the commit removed the product.
    public let productTree: TreeID?
}

extension GitRepository {
    /// Commits exactly the working-tree content of `Products/<id>` on top of the current branch.
    ///
    /// Only that folder changes: the new root tree is HEAD's tree with the one subtree replaced, so
    /// anything else the user has staged stays staged and uncommitted. Additions, edits, deletions,
    /// executable bits and symlinks are taken from the working tree; files `.gitignore` excludes are
    /// left out unless already tracked, as `git add` does. The branch moves by compare-and-swap; when
    /// another process moved it first, the commit is rebuilt on the new tip, so concurrent
    /// registrations of different products all land. Objects are written before the branch moves, so
    /// an interrupted run leaves at most unreferenced objects. The identity comes from
    /// `GIT_AUTHOR_*` / `GIT_COMMITTER_*` or `user.name` / `user.email`, as for `git commit`.
    ///
    /// The staging area is brought to the new commit's content for the folder *before* the branch
    /// moves: a kill in between leaves the change staged (what `git add` would do), never a commit
    /// whose folder the staging area still holds at the old content, which a later plain
    /// `git commit` would silently revert. When the staging area cannot be written (a stale
    /// `.git/index.lock`) nothing is committed and the error names the lock file.
    ///
    /// - Parameter command: the value of the `Registry-Command` trailer added to the message, which
    ///   lets a commit whose audit entry was lost be found and recorded later.
    public func commitProduct(_ id: String, message: String, command: String? = nil) throws -> RegisteredCommit {
        let folder = try productFolder(id)
        let trailer = command.map { "\n\(GitRepository.commandTrailer): \($0)\n" } ?? ""
        let text = try prettified(message, folder: folder) + trailer
        let author = try signature(role: "AUTHOR")
        let committer = try signature(role: "COMMITTER")
        let branch = try currentBranch()
        let subject = text.prefix { $0 != "\n" }

        var lastOutcome = ReferenceMove.moved
        var lockedAttempts = 0
        for attempt in 0..<maximumCommitAttempts {
            let parent = try referenceTarget(branch)
            let parentCommit = try parent.map(lookupCommit)
            let baseTree = try parentCommit.map(rootTree)
            let productTree = try writeWorkingTree(folder, trackedIn: baseTree)
            let newRoot = try replacing(folder: id, with: productTree, in: baseTree)
            if let baseTree, newRoot.same(as: git_tree_id(baseTree.pointer).pointee) {
                throw GitError(.nothingToCommit, .usage,
                               "'\(folder)' has no changes since the last commit on '\(branch)'; edit the product before registering it.")
            }
            let tree = try lookupTree(newRoot)
            var commitID = git_oid()
            var parents: [OpaquePointer?] = parentCommit.map { [$0.pointer] } ?? []
            try check(git_commit_create(&commitID, pointer, nil, author.pointer, committer.pointer, nil, text,
                                        tree.pointer, parents.count, &parents),
                      "writing the commit for '\(folder)'")
            try refreshStagingArea(folder: folder, commit: CommitID(commitID))
            lastOutcome = try moveReference(branch, to: commitID, from: parent, reflog: "commit: \(subject)")
            if lastOutcome == .moved {
                return RegisteredCommit(commit: CommitID(commitID), productTree: productTree.map(TreeID.init))
            }
            lockedAttempts = lastOutcome == .locked ? lockedAttempts + 1 : 0
            if lockedAttempts >= maximumLockedAttempts { break }
            usleep(useconds_t(1_000 * (5 + Int.random(in: 0...20) + min(attempt, 8) * 5)))
        }
        if lastOutcome == .locked {
            throw GitError.referenceLocked(lockFile: String(cString: git_repository_path(pointer)) + branch + ".lock",
                                           doing: "committing '\(folder)'")
        }
        throw GitError(.branchBusy, .environment,
                       "The branch '\(branch)' kept changing while '\(folder)' was being committed; wait for other registrations to finish and run the command again.")
    }

    /// Enough rebuilds for dozens of simultaneous registrations; each lost race costs one retry.
    private var maximumCommitAttempts: Int { 60 }
    /// About a second of a ref or index lock that does not go away, which means a stale lock file.
    var maximumLockedAttempts: Int { 20 }

    /// Cleans the message as `git commit` does (trailing spaces, blank lines), refusing an empty one.
    private func prettified(_ message: String, folder: String) throws -> String {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try check(git_message_prettify(&buffer, message, 0, 0), "preparing the commit message")
        let text = buffer.ptr.map { String(cString: $0) } ?? ""
        guard !text.isEmpty else {
            throw GitError(.emptyMessage, .usage,
                           "The commit message for '\(folder)' is empty; pass a message that says what changed with -m.")
        }
        return text
    }

    /// The author or committer identity, resolved like git: environment first, then configuration.
    func signature(role: String) throws -> Owned<UnsafeMutablePointer<git_signature>> {
        let configuration = try identityConfiguration()
        func configured(_ key: String) -> String? {
            var value: UnsafePointer<CChar>?
            guard git_config_get_string(&value, configuration.pointer, key) == 0, let value else { return nil }
            return String(cString: value)
        }
        let name = environment["GIT_\(role)_NAME"] ?? configured("user.name")
        let email = environment["GIT_\(role)_EMAIL"] ?? configured("user.email")
        guard let name, let email,
              !name.trimmingCharacters(in: .whitespaces).isEmpty, !email.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw GitError(.missingIdentity, .environment,
                           "Git has no name and email to record on the commit; run `git config user.name \"Your Name\"` and `git config user.email you@example.org` (add --global for every repository), then register again.")
        }
        var signature: UnsafeMutablePointer<git_signature>?
        let code = git_signature_now(&signature, name, email)
        try check(code, "recording the identity '\(name) <\(email)>'")
        guard let signature else { throw GitError.library(code, while: "recording the identity '\(name) <\(email)>'") }
        return Owned(signature, release: git_signature_free)
    }

    /// The configuration files git itself would read for the identity, honouring `GIT_CONFIG_GLOBAL`,
    /// `GIT_CONFIG_NOSYSTEM` and `XDG_CONFIG_HOME` from the environment (libgit2 1.5 does not).
    private func identityConfiguration() throws -> Owned<OpaquePointer> {
        let configuration = try make("reading the git configuration", free: git_config_free) { git_config_new(&$0) }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
        var files: [(path: String, level: git_config_level_t)] = []
        if environment["GIT_CONFIG_NOSYSTEM"] == nil {
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            if let system = environment["GIT_CONFIG_SYSTEM"] {
                files.append((system, GIT_CONFIG_LEVEL_SYSTEM))
            } else if git_config_find_system(&buffer) == 0, let path = buffer.ptr {
                files.append((String(cString: path), GIT_CONFIG_LEVEL_SYSTEM))
            }
        }
        if let xdg = environment["XDG_CONFIG_HOME"].map({ URL(fileURLWithPath: $0) }) ?? home?.appendingPathComponent(".config") {
            files.append((xdg.appendingPathComponent("git/config").path, GIT_CONFIG_LEVEL_XDG))
        }
        if let global = environment["GIT_CONFIG_GLOBAL"] ?? home?.appendingPathComponent(".gitconfig").path {
            files.append((global, GIT_CONFIG_LEVEL_GLOBAL))
        }
        files.append((String(cString: git_repository_path(pointer)) + "config", GIT_CONFIG_LEVEL_LOCAL))
        for file in files {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder), !isFolder.boolValue,
                  (try? FileManager.default.attributesOfItem(atPath: file.path)[.type] as? FileAttributeType) == .typeRegular
            else { continue }
            try check(git_config_add_file_ondisk(configuration.pointer, file.path, file.level, pointer, 0),
                      "reading the git configuration file '\(file.path)'")
        }
        return try make("reading the git configuration", free: git_config_free) {
            git_config_snapshot(&$0, configuration.pointer)
        }
    }

    /// The full name of the branch HEAD points at, even when it has no commits yet.
    private func currentBranch() throws -> String {
        let head = try make("reading HEAD", free: git_reference_free) { git_reference_lookup(&$0, pointer, "HEAD") }
        guard git_reference_type(head.pointer) == GIT_REFERENCE_SYMBOLIC,
              let target = git_reference_symbolic_target(head.pointer) else {
            let at = (try? self.head()).flatMap { $0 }.map { " at \($0.short)" } ?? ""
            throw GitError(.detachedHead, .usage,
                           "HEAD is detached\(at), so there is no branch to register onto; switch to a branch with `git switch <branch>` and register again.")
        }
        return String(cString: target)
    }

    /// What happened when trying to move a branch or ref.
    enum ReferenceMove {
        /// The branch now points at the new commit.
        case moved
        /// Someone else moved or created the branch first; rebuild on the new tip.
        case movedByOther
        /// Another process holds the branch's lock file.
        case locked
    }

    /// Moves a branch or ref from `expected` to `commit` only if nobody moved it meanwhile.
    func moveReference(_ branch: String, to commit: git_oid, from expected: git_oid?, reflog: String) throws -> ReferenceMove {
        var target = commit
        var reference: OpaquePointer?
        let code: Int32
        if var expected {
            code = git_reference_create_matching(&reference, pointer, branch, &target, 1, &expected, reflog)
        } else {
            code = git_reference_create_matching(&reference, pointer, branch, &target, 0, nil, reflog)
        }
        if let reference { git_reference_free(reference) }
        if code == GIT_EMODIFIED.rawValue || code == GIT_EEXISTS.rawValue { return .movedByOther }
        if code == GIT_ELOCKED.rawValue { return .locked }
        try check(code, "moving the branch '\(branch)' to the new commit")
        return .moved
    }

    /// Writes blobs and trees for a working-tree folder; nil when it holds no files (or is gone).
    private func writeWorkingTree(_ relativePath: String, trackedIn base: Owned<OpaquePointer>?) throws -> git_oid? {
        let url = workingDirectory.appendingPathComponent(relativePath)
        var info = stat()
        guard lstat(url.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch {
            throw GitError(.fileSystem, .environment,
                           "Could not list '\(relativePath)' (\(error.localizedDescription)); check its permissions and register again.")
        }
        let builder = try make("building the tree of '\(relativePath)'", free: git_treebuilder_free) {
            git_treebuilder_new(&$0, pointer, nil)
        }
        for name in names where name != ".git" {
            let child = "\(relativePath)/\(name)"
            guard lstat(workingDirectory.appendingPathComponent(child).path, &info) == 0 else { continue }
            let kind = info.st_mode & S_IFMT
            guard kind == S_IFDIR || kind == S_IFREG || kind == S_IFLNK else { continue }
            if try isIgnored(child), try !isTracked(child, in: base) { continue }
            var oid: git_oid
            let mode: git_filemode_t
            if kind == S_IFDIR {
                if FileManager.default.fileExists(atPath: workingDirectory.appendingPathComponent("\(child)/.git").path) {
                    throw GitError(.invalidProductTree, .invalidContent,
                                   "'\(child)' is a separate git repository (a submodule), which a product may not contain; copy its files in without the .git folder and register again.")
                }
                guard let subtree = try writeWorkingTree(child, trackedIn: base) else { continue }
                oid = subtree
                mode = GIT_FILEMODE_TREE
            } else {
                oid = git_oid()
                try check(git_blob_create_from_workdir(&oid, pointer, child), "storing the file '\(child)'")
                mode = kind == S_IFLNK ? GIT_FILEMODE_LINK
                    : (info.st_mode & S_IXUSR != 0 ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB)
            }
            try check(git_treebuilder_insert(nil, builder.pointer, name, &oid, mode), "adding '\(child)' to its tree")
        }
        guard git_treebuilder_entrycount(builder.pointer) > 0 else { return nil }
        var tree = git_oid()
        try check(git_treebuilder_write(&tree, builder.pointer), "writing the tree of '\(relativePath)'")
        return tree
    }

    private func isIgnored(_ path: String) throws -> Bool {
        var ignored: Int32 = 0
        try check(git_ignore_path_is_ignored(&ignored, pointer, path), "checking whether '\(path)' is ignored")
        return ignored != 0
    }

    private func isTracked(_ path: String, in base: Owned<OpaquePointer>?) throws -> Bool {
        guard let base else { return false }
        return try entry(at: path, in: base) != nil
    }

    /// The root tree equal to `base` except that `Products/<id>` is `product` (or absent when nil).
    private func replacing(folder id: String, with product: git_oid?, in base: Owned<OpaquePointer>?) throws -> git_oid {
        let productsRecord = try base.flatMap { try entry(at: productsFolder, in: $0) }
        let productsTree = try productsRecord.flatMap { $0.type == GIT_OBJECT_TREE ? try lookupTree($0.oid) : nil }
        let products = try rebuild(productsTree, setting: id, to: product, described: productsFolder)
        return try rebuild(base, setting: productsFolder, to: products, described: "the repository root")
            ?? emptyTree()
    }

    private func rebuild(_ tree: Owned<OpaquePointer>?, setting name: String, to child: git_oid?,
                         described: String) throws -> git_oid? {
        let builder = try make("building the tree of \(described)", free: git_treebuilder_free) {
            git_treebuilder_new(&$0, pointer, tree?.pointer)
        }
        if var child {
            try check(git_treebuilder_insert(nil, builder.pointer, name, &child, GIT_FILEMODE_TREE),
                      "placing '\(name)' in \(described)")
        } else {
            let code = git_treebuilder_remove(builder.pointer, name)
            if code != GIT_ENOTFOUND.rawValue { try check(code, "removing '\(name)' from \(described)") }
        }
        guard git_treebuilder_entrycount(builder.pointer) > 0 else { return nil }
        var oid = git_oid()
        try check(git_treebuilder_write(&oid, builder.pointer), "writing the tree of \(described)")
        return oid
    }

    func emptyTree() throws -> git_oid {
        let builder = try make("building an empty tree", free: git_treebuilder_free) {
            git_treebuilder_new(&$0, pointer, nil)
        }
        var oid = git_oid()
        try check(git_treebuilder_write(&oid, builder.pointer), "writing an empty tree")
        return oid
    }

    /// Makes the staging area match `commit` for the folder, so `git status` is clean there once the
    /// branch points at it.
    ///
    /// Registry processes take an advisory lock first (released by the kernel if a process dies), so two
    /// registrations do not overwrite each other's entries. git's own `index.lock` held by another
    /// process is waited for about a second; one that stays is a stale file the user must remove.
    private func refreshStagingArea(folder: String, commit: CommitID) throws {
        let lockPath = String(cString: git_repository_path(pointer)) + "registry-index.lock"
        let descriptor = Glibc.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if descriptor >= 0 { _ = flock(descriptor, LOCK_EX) }
        defer { if descriptor >= 0 { close(descriptor) } }
        let index = try make("opening the staging area", free: git_index_free) { git_repository_index(&$0, pointer) }
        try check(git_index_read(index.pointer, 1), "reading the staging area")
        try check(git_index_remove_directory(index.pointer, folder, 0), "clearing '\(folder)' in the staging area")
        let tree = try rootTree(of: lookupCommit(commit.oid))
        if let record = try entry(at: folder, in: tree) {
            try stage(tree: lookupTree(record.oid), prefix: folder + "/", into: index)
        }
        for _ in 0..<maximumLockedAttempts {
            let code = git_index_write(index.pointer)
            if code != GIT_ELOCKED.rawValue { return try check(code, "writing the staging area") }
            usleep(50_000)
        }
        throw GitError.referenceLocked(lockFile: String(cString: git_repository_path(pointer)) + "index.lock",
                                       doing: "staging '\(folder)'")
    }

    private func stage(tree: Owned<OpaquePointer>, prefix: String, into index: Owned<OpaquePointer>) throws {
        for position in 0..<git_tree_entrycount(tree.pointer) {
            guard let raw = git_tree_entry_byindex(tree.pointer, position) else { continue }
            let record = TreeEntryRecord(raw)
            let path = prefix + record.name
            if record.type == GIT_OBJECT_TREE {
                try stage(tree: lookupTree(record.oid), prefix: path + "/", into: index)
            } else {
                try check(git_index_add_bypath(index.pointer, path), "staging '\(path)'")
            }
        }
    }
}
