internal import CLibgit2
import Foundation

extension GitRepository {
    /// The histories of every product at once, each exactly what `history(of:from:)` returns.
    ///
    /// When no commit reachable from `start` is a merge, git's walk is simply the first-parent
    /// chain, so one pass that compares each commit's `Products` tree with its parent's finds every
    /// product's versions: the two trees are walked side by side (both are sorted), and only entries
    /// whose ids differ cost anything. A history with merges falls back to the per-product walk,
    /// which replays git's simplification. `ids` limits the result to those products.
    public func histories(of ids: Set<String>, from start: CommitID) throws -> [String: [ProductVersionCommit]] {
        guard let all = try linearHistories(from: start) else {
            var result: [String: [ProductVersionCommit]] = [:]
            for id in ids { result[id] = try history(of: id, from: start) }
            return result
        }
        return all.filter { ids.contains($0.key) }
    }

    /// The history of every product that ever existed, in one pass over the first-parent chain, or
    /// nil when a commit reachable from `start` is a merge (see `histories(of:from:)`).
    public func linearHistories(from start: CommitID) throws -> [String: [ProductVersionCommit]]? {
        guard let chain = try linearChain(from: start) else { return nil }
        var result: [String: [ProductVersionCommit]] = [:]
        for (index, commit) in chain.enumerated() {
            let parent = index + 1 < chain.count ? chain[index + 1] : nil
            let changed = try changedProducts(between: parent, and: commit)
            guard !changed.isEmpty else { continue }
            let object = try lookupCommit(commit.oid)
            let info = commitInfo(object)
            for (id, tree) in changed {
                result[id, default: []].append(ProductVersionCommit(commit: commit, tree: tree, author: info.author,
                                                                     committerDate: info.committer.date, message: info.message))
            }
        }
        return result
    }

    /// The versions added between `base` and `start` when `start` extends `base` by commits that are
    /// not merges (the usual new commits on a branch): each changed product's new versions, newest
    /// first. Nil when a merge intervenes or `base` is not on the first-parent chain, in which case
    /// the caller re-reads whole histories.
    public func versionsAdded(from start: CommitID, since base: CommitID) throws -> [String: [ProductVersionCommit]]? {
        var result: [String: [ProductVersionCommit]] = [:]
        var current = start
        while current != base {
            let object = try lookupCommit(current.oid)
            let parents = parents(of: object)
            guard parents.count == 1, let parent = parents.first else { return nil }
            let changed = try changedProducts(between: parent, and: current)
            if !changed.isEmpty {
                let info = commitInfo(object)
                for (id, tree) in changed {
                    result[id, default: []].append(ProductVersionCommit(commit: current, tree: tree, author: info.author,
                                                                         committerDate: info.committer.date, message: info.message))
                }
            }
            current = parent
        }
        return result
    }

    /// The products whose folder differs between any of these commits and any of its parents (or
    /// that exist in a root commit): what an incremental index must read again.
    public func productsChanged(in commits: [CommitInfo]) throws -> Set<String> {
        var changed = Set<String>()
        for commit in commits {
            let parents: [CommitID?] = commit.parents.isEmpty ? [nil] : commit.parents
            for parent in parents {
                for (id, _) in try changedProducts(between: parent, and: commit.id) { changed.insert(id) }
            }
        }
        return changed
    }

    /// The first-parent chain from `start`, newest first, or nil when any commit on it is a merge.
    private func linearChain(from start: CommitID) throws -> [CommitID]? {
        var chain: [CommitID] = []
        var current: CommitID? = start
        while let commit = current {
            let parents = parents(of: try lookupCommit(commit.oid))
            if parents.count > 1 { return nil }
            chain.append(commit)
            current = parents.first
        }
        return chain
    }

    /// Products whose subtree differs between a commit and its parent (nil for a root commit), with
    /// the subtree id in the commit (nil when the product was removed).
    private func changedProducts(between parent: CommitID?, and commit: CommitID) throws -> [(String, TreeID?)] {
        let newTree = try productsTree(of: commit)
        let oldTree = try parent.map(productsTree(of:)) ?? nil
        if let newTree, let oldTree, git_oid_equal(git_tree_id(newTree.pointer), git_tree_id(oldTree.pointer)) != 0 {
            return []
        }
        let newCount = newTree.map { git_tree_entrycount($0.pointer) } ?? 0
        let oldCount = oldTree.map { git_tree_entrycount($0.pointer) } ?? 0
        var changes: [(String, TreeID?)] = []
        var newIndex = 0
        var oldIndex = 0
        // Entries are in git's tree order, which compares a folder's name as if it ended in "/".
        while newIndex < newCount || oldIndex < oldCount {
            let newEntry = newIndex < newCount ? newTree.flatMap { git_tree_entry_byindex($0.pointer, newIndex) } : nil
            let oldEntry = oldIndex < oldCount ? oldTree.flatMap { git_tree_entry_byindex($0.pointer, oldIndex) } : nil
            let order: Int32
            switch (newEntry, oldEntry) {
            case let (new?, old?):
                // Most entries keep their name and kind from one commit to the next: a plain string
                // comparison settles those before git's order is worked out.
                let sameEntry = git_tree_entry_type(new) == git_tree_entry_type(old)
                    && strcmp(git_tree_entry_name(new), git_tree_entry_name(old)) == 0
                order = sameEntry ? 0 : Self.treeOrder(new, old)
            case (_?, nil): order = -1
            default: order = 1
            }
            if order == 0, let new = newEntry, let old = oldEntry {
                if git_oid_equal(git_tree_entry_id(new), git_tree_entry_id(old)) == 0
                    || git_tree_entry_filemode(new) != git_tree_entry_filemode(old) {
                    changes.append(Self.productChange(new))
                }
                newIndex += 1
                oldIndex += 1
            } else if order < 0, let new = newEntry {
                changes.append(Self.productChange(new))
                newIndex += 1
            } else if let old = oldEntry {
                if git_tree_entry_type(old) == GIT_OBJECT_TREE {
                    changes.append((String(cString: git_tree_entry_name(old)), nil))
                }
                oldIndex += 1
            }
        }
        return changes.filter { $0.0 != "" }
    }

    /// git's order of two tree entries: bytewise, with a folder's name read as ending in "/".
    private static func treeOrder(_ lhs: OpaquePointer, _ rhs: OpaquePointer) -> Int32 {
        guard var left = git_tree_entry_name(lhs), var right = git_tree_entry_name(rhs) else { return 0 }
        let leftFolder = git_tree_entry_type(lhs) == GIT_OBJECT_TREE
        let rightFolder = git_tree_entry_type(rhs) == GIT_OBJECT_TREE
        while true {
            var a = UInt8(bitPattern: left.pointee)
            var b = UInt8(bitPattern: right.pointee)
            if a == 0 && leftFolder { a = UInt8(ascii: "/") }
            if b == 0 && rightFolder { b = UInt8(ascii: "/") }
            if a != b { return a < b ? -1 : 1 }
            if a == 0 || left.pointee == 0 || right.pointee == 0 {
                // Both ended (or both reached their implied "/" at the same place).
                return left.pointee == 0 && right.pointee == 0 ? 0 : (left.pointee == 0 ? -1 : 1)
            }
            left += 1
            right += 1
        }
    }

    private static func productChange(_ entry: OpaquePointer) -> (String, TreeID?) {
        guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return ("", nil) }
        return (String(cString: git_tree_entry_name(entry)), TreeID(git_tree_entry_id(entry).pointee))
    }

    /// The `Products` tree of a commit, or nil when it has none.
    private func productsTree(of commit: CommitID) throws -> Owned<OpaquePointer>? {
        if let recent = recentProductsTrees.first(where: { $0.commit == commit }) { return recent.tree }
        let root = try rootTree(of: lookupCommit(commit.oid))
        var tree: Owned<OpaquePointer>?
        if let products = try entry(at: productsFolder, in: root), products.type == GIT_OBJECT_TREE {
            tree = try lookupTree(products.oid)
        }
        recentProductsTrees = [(commit, tree)] + recentProductsTrees.prefix(1)
        return tree
    }
}
