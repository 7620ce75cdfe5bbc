internal import CLibgit2
import Foundation

extension GitRepository {
    /// Creates an empty repository with a working tree at `url` (like `git init`).
    public static func create(at url: URL) throws -> GitRepository {
        _ = libgit2Runtime
        var pointer: OpaquePointer?
        let code = git_repository_init(&pointer, url.path, 0)
        try check(code, "creating a repository at '\(url.path)'")
        if let pointer { git_repository_free(pointer) }
        return try open(at: url)
    }

    /// The identity commits would be made with (`Name <email>`), or nil when none is configured.
    public func configuredIdentity() -> String? {
        guard let signature = try? signature(role: "AUTHOR") else { return nil }
        let name = String(cString: signature.pointer.pointee.name)
        let email = String(cString: signature.pointer.pointee.email)
        return "\(name) <\(email)>"
    }

    /// Every file below a repository-relative folder at a commit, keyed by repository-relative path.
    ///
    /// Used for review statements and keyrings, which are read from the commit being evaluated,
    /// never from the working tree. Returns an empty map when the folder does not exist there.
    public func files(under folder: String, at commit: CommitID) throws -> [String: Data] {
        let root = try rootTree(of: lookupCommit(commit.oid))
        guard let record = try entry(at: folder, in: root), record.type == GIT_OBJECT_TREE else { return [:] }
        var files: [String: Data] = [:]
        try collectFiles(of: lookupTree(record.oid), prefix: folder + "/", into: &files)
        return files
    }

    private func collectFiles(of tree: Owned<OpaquePointer>, prefix: String, into files: inout [String: Data]) throws {
        for index in 0..<git_tree_entrycount(tree.pointer) {
            guard let raw = git_tree_entry_byindex(tree.pointer, index) else { continue }
            let record = TreeEntryRecord(raw)
            let path = prefix + record.name
            if record.type == GIT_OBJECT_TREE {
                try collectFiles(of: lookupTree(record.oid), prefix: path + "/", into: &files)
            } else if record.type == GIT_OBJECT_BLOB {
                files[path] = try content(ofBlob: lookupBlob(record.oid))
            }
        }
    }
}
