internal import CLibgit2
import Foundation
import RegistrySupport

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
    ///
    /// Each commit is compared with its parent alone, so a long chain is compared in two halves at
    /// once (from 128 commits on, where opening a second handle costs far less than the walk): the
    /// older half on a second thread with its own repository handle (libgit2 handles are not shared
    /// between threads).
    public func linearHistories(from start: CommitID) throws -> [String: [ProductVersionCommit]]? {
        guard let chain = try linearChain(from: start) else { return nil }
        guard chain.count >= 128 else { return try versions(along: chain, in: chain.indices) }
        let middle = chain.count / 2
        let (newer, older) = Parallel.both(
            { Result { try self.versions(along: chain, in: 0..<middle) } },
            { Result { try GitRepository.open(at: self.workingDirectory, environment: self.environment)
                .versions(along: chain, in: middle..<chain.count) } })
        var result = try newer.get()
        for (id, versions) in try older.get() { result[id, default: []] += versions }
        return result
    }

    /// The product versions made by the commits at `range` of a first-parent chain (newest first),
    /// each compared with the next commit in the chain, its parent.
    private func versions(along chain: [CommitID], in range: Range<Int>) throws -> [String: [ProductVersionCommit]] {
        var result: [String: [ProductVersionCommit]] = [:]
        for index in range {
            let commit = chain[index]
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
        if let newTree, let oldTree, newTree.id.same(as: oldTree.id) { return [] }
        return try RawTree.changedFolders(from: oldTree, to: newTree)
    }

    /// The `Products` tree of a commit, or nil when it has none.
    private func productsTree(of commit: CommitID) throws -> RawTree? {
        if let recent = recentProductsTrees.first(where: { $0.commit == commit }) { return recent.tree }
        let odb = try objectDatabase()
        let object = try lookupCommit(commit.oid)
        let root = try withExtendedLifetime(object) {
            try RawTree(reading: git_commit_tree_id(object.pointer).pointee, from: odb)
        }
        var tree: RawTree?
        if let products = try root.entry(named: productsFolder), products.isTree {
            tree = try RawTree(reading: products.id, from: odb)
        }
        recentProductsTrees = [(commit, tree)] + recentProductsTrees.prefix(1)
        return tree
    }
}
