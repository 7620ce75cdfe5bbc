internal import CLibgit2
import Foundation
import RegistrySupport

/// One product folder at one commit: its git tree id, its SHA-256 content digest and its files.
public struct ProductTree: Sendable, Hashable {
    /// The product id (the folder name under `Products/`).
    public let productID: String
    /// The git tree id of `Products/<id>`.
    public let tree: TreeID
    /// The lowercase hex SHA-256 content digest of DESIGN section 2.
    public let contentDigest: String
    /// Every file below the folder, sorted bytewise by path.
    public let entries: [ProductTreeEntry]

    /// The entry at a path relative to the product folder, if any.
    public func entry(at path: String) -> ProductTreeEntry? {
        entries.first { $0.path == path }
    }
}

/// One file of a product tree.
public struct ProductTreeEntry: Sendable, Hashable {
    /// The path relative to the product folder, with `/` separators.
    public let path: String
    /// How git records the file.
    public let mode: FileMode
    /// The blob holding the content (for a symlink, its target path).
    public let blob: BlobID
    /// The blob's size in bytes.
    public let size: Int
    /// The lowercase hex SHA-256 of the blob's content.
    public let sha256: String

    /// The line this entry contributes to the content digest.
    public var digestLine: String { "\(mode.octal) \(sha256) \(path)\n" }
}

/// The kinds of file a product may hold, with git's modes.
public enum FileMode: UInt32, Sendable, Hashable, Codable {
    /// A regular file (`100644`).
    case regular = 0o100644
    /// An executable file (`100755`).
    case executable = 0o100755
    /// A symbolic link (`120000`), whose content is its target.
    case symlink = 0o120000

    /// The octal form git prints, such as `100644`.
    public var octal: String { String(rawValue, radix: 8) }
}

extension ProductTree {
    /// The digest of DESIGN section 2 over entries already sorted bytewise by path: their lines, hashed together.
    static func contentDigest(ofSorted entries: [ProductTreeEntry]) -> String {
        let lines = entries.map(\.digestLine).joined()
        return SHA256Hex.of(lines)
    }
}

extension GitRepository {
    /// The product folder `Products/<id>` at a commit, or nil when the commit has no such folder.
    ///
    /// Throws `invalidProductTree` when the folder holds a submodule, or when `Products/<id>` is a file.
    public func productTree(_ id: String, at commit: CommitID) throws -> ProductTree? {
        let folder = try productFolder(id)
        let root = try rootTree(of: lookupCommit(commit.oid))
        guard let record = try entry(at: folder, in: root) else { return nil }
        guard record.type == GIT_OBJECT_TREE else {
            throw GitError(.invalidProductTree, .invalidContent,
                           "'\(folder)' at commit \(commit.short) is not a folder; a product must be a folder holding product.yaml.")
        }
        return try productTree(id, tree: TreeID(record.oid), at: commit)
    }

    /// The product folder whose tree id a history walk already found (`ProductVersionCommit.tree`),
    /// without looking the folder up from the commit's root again; `commit` names it in messages.
    ///
    /// Throws `invalidProductTree` when the folder holds a submodule.
    public func productTree(_ id: String, tree: TreeID, at commit: CommitID) throws -> ProductTree {
        var unused: [BlobID: [UInt8]] = [:]
        return try productTree(id, tree: tree, at: commit, keeping: nil, in: &unused)
    }

    /// `productTree(_:tree:at:)` that also adds to `contents` the bytes of the file at `path` (relative
    /// to the product folder) unless its blob is there already, read in the same pass that hashes it:
    /// an index rebuild needs every distinct manifest's text as well as its digest, and reading a
    /// blob means inflating it again.
    public func productTree(_ id: String, tree: TreeID, at commit: CommitID, keeping path: String?,
                            in contents: inout [BlobID: [UInt8]]) throws -> ProductTree {
        let folder = try productFolder(id)
        var entries: [ProductTreeEntry] = []
        try collectEntries(of: lookupTree(tree.oid), prefix: "", into: &entries, folder: folder, commit: commit,
                           keeping: path, in: &contents)
        entries.sort { bytewiseLess($0.path, $1.path) }
        return ProductTree(productID: id, tree: tree, contentDigest: ProductTree.contentDigest(ofSorted: entries), entries: entries)
    }

    private func collectEntries(of tree: Owned<OpaquePointer>, prefix: String, into entries: inout [ProductTreeEntry],
                                folder: String, commit: CommitID, keeping kept: String?,
                                in contents: inout [BlobID: [UInt8]]) throws {
        for index in 0..<git_tree_entrycount(tree.pointer) {
            guard let raw = git_tree_entry_byindex(tree.pointer, index) else { continue }
            let record = TreeEntryRecord(raw)
            let path = prefix + record.name
            if record.type == GIT_OBJECT_TREE {
                try collectEntries(of: lookupTree(record.oid), prefix: path + "/", into: &entries, folder: folder,
                                   commit: commit, keeping: kept, in: &contents)
                continue
            }
            guard record.type == GIT_OBJECT_BLOB, let mode = FileMode(rawValue: record.mode) else {
                throw GitError(.invalidProductTree, .invalidContent,
                               "'\(folder)/\(path)' at commit \(commit.short) is a submodule, which a product may not contain; commit its files into the product folder instead.")
            }
            let blob = BlobID(record.oid)
            let keep = path == kept && contents[blob] == nil
            let digest: (size: Int, sha256: String)
            if let known = blobDigests[blob], !keep {
                digest = known
            } else {
                // Hashed (and kept) straight from libgit2's buffer: the content is copied only when kept.
                digest = try withContent(ofBlob: lookupBlob(record.oid)) { bytes in
                    if keep { contents[blob] = Array(bytes) }
                    return blobDigests[blob] ?? (size: bytes.count, sha256: SHA256Hex.of(bytes))
                }
                blobDigests[blob] = digest
            }
            entries.append(ProductTreeEntry(path: path, mode: mode, blob: blob, size: digest.size, sha256: digest.sha256))
        }
    }

    /// Writes a product's files at a commit as plain files under `directory`, for a sandboxed run.
    ///
    /// Executables get mode 0755 and everything else 0644. An entry whose path equals an excluded
    /// path, or lies under an excluded folder, is skipped. Symlinks are written as **copies of their
    /// target's content** (with the target's mode) so that nothing in `directory` can point elsewhere;
    /// a symlink whose target leaves the product folder, is absolute, dangles or names a folder is
    /// refused with `invalidProductTree`. Existing files are never overwritten or followed.
    ///
    /// - Returns: the product tree that was written, so a run can record exactly which content it used.
    @discardableResult
    public func materializeProduct(_ id: String, at commit: CommitID, into directory: URL,
                                   excluding excluded: Set<String> = []) throws -> ProductTree {
        guard let product = try productTree(id, at: commit) else {
            throw GitError(.missingProduct, .usage,
                           "There is no folder '\(try productFolder(id))' at commit \(commit.short); check the product id with registry list.")
        }
        let byPath = Dictionary(uniqueKeysWithValues: product.entries.map { ($0.path, $0) })
        for entry in product.entries where !isExcluded(entry.path, by: excluded) {
            let source = try resolveSymlinks(entry, in: byPath, product: product, commit: commit)
            try writeFile(readBlob(source.blob), mode: source.mode == .executable ? 0o755 : 0o644,
                          relativePath: entry.path, under: directory)
        }
        return product
    }

    private func isExcluded(_ path: String, by excluded: Set<String>) -> Bool {
        if excluded.contains(path) { return true }
        var folder = Substring(path)
        while let slash = folder.lastIndex(of: "/") {
            folder = folder[..<slash]
            if excluded.contains(String(folder)) { return true }
        }
        return false
    }

    /// Follows a chain of symlinks inside the product to the regular file it ends at.
    private func resolveSymlinks(_ start: ProductTreeEntry, in byPath: [String: ProductTreeEntry],
                                 product: ProductTree, commit: CommitID) throws -> ProductTreeEntry {
        var current = start
        var hops = 0
        while current.mode == .symlink {
            let target = String(decoding: try readBlob(current.blob), as: UTF8.self)
            func refuse(_ why: String) -> GitError {
                GitError(.invalidProductTree, .invalidContent,
                         "The symlink '\(productsFolder)/\(product.productID)/\(current.path)' at commit \(commit.short) points to '\(target)', which \(why); replace it with a regular file.")
            }
            hops += 1
            guard hops <= 40 else { throw refuse("starts a loop of symlinks") }
            guard !target.hasPrefix("/") else { throw refuse("is an absolute path outside the product folder") }
            var components = current.path.split(separator: "/").dropLast().map(String.init)
            for component in target.split(separator: "/", omittingEmptySubsequences: true) {
                switch component {
                case ".": continue
                case "..":
                    guard !components.isEmpty else { throw refuse("leaves the product folder") }
                    components.removeLast()
                default: components.append(String(component))
                }
            }
            guard let next = byPath[components.joined(separator: "/")] else {
                throw refuse("is not a file in the product folder")
            }
            current = next
        }
        return current
    }

    private func writeFile(_ data: Data, mode: mode_t, relativePath: String, under directory: URL) throws {
        let components = relativePath.split(separator: "/").map(String.init)
        guard !components.isEmpty, components.allSatisfy({ $0 != "." && $0 != ".." }) else {
            throw GitError(.invalidProductTree, .invalidContent,
                           "The product path '\(relativePath)' is not a safe file name; rename it in the repository.")
        }
        let url = components.reduce(directory) { $0.appendingPathComponent($1) }
        let path = url.path
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw GitError(.fileSystem, .environment,
                           "Could not create the folder '\(url.deletingLastPathComponent().path)' (\(error.localizedDescription)); check the permissions and free space there.")
        }
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw GitError(.fileSystem, .environment,
                           "Could not create '\(path)' (\(String(cString: strerror(errno)))); materialize into a fresh empty folder.")
        }
        defer { close(descriptor) }
        var failure = data.withUnsafeBytes { FileWrite.all($0, to: descriptor) }
        if failure == 0, fchmod(descriptor, mode) != 0 { failure = errno }
        guard failure == 0 else {
            throw GitError(.fileSystem, .environment,
                           "Could not write '\(path)' (\(String(cString: strerror(failure)))); check the free space and permissions there.")
        }
    }
}
