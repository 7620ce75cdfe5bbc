internal import CLibgit2
import Foundation

/// A person and moment recorded on a commit, as author or committer.
public struct GitSignature: Sendable, Hashable, Codable {
    /// The recorded name.
    public let name: String
    /// The recorded email address.
    public let email: String
    /// The recorded moment.
    public let date: Date
    /// The recorded time zone, in minutes east of UTC.
    public let timeZoneOffsetMinutes: Int

    init(_ signature: UnsafePointer<git_signature>) {
        name = String(cString: signature.pointee.name)
        email = String(cString: signature.pointee.email)
        date = Date(timeIntervalSince1970: TimeInterval(signature.pointee.when.time))
        timeZoneOffsetMinutes = Int(signature.pointee.when.offset)
    }
}

/// A commit with what incremental indexing needs to process it.
public struct CommitInfo: Sendable, Hashable {
    /// The commit's id.
    public let id: CommitID
    /// Its parents, first parent first.
    public let parents: [CommitID]
    /// Its root tree.
    public let tree: TreeID
    /// Who wrote the change, and when.
    public let author: GitSignature
    /// Who committed it, and when.
    public let committer: GitSignature
    /// The full commit message.
    public let message: String
}

/// A commit that changed a product folder: one entry of the product's history.
public struct ProductVersionCommit: Sendable, Hashable {
    /// The commit's id.
    public let commit: CommitID
    /// The tree of `Products/<id>` after the commit, or nil when the commit removed the product.
    public let tree: TreeID?
    /// Who wrote the change, and when.
    public let author: GitSignature
    /// When the change was committed.
    public let committerDate: Date
    /// The full commit message.
    public let message: String
}

extension GitRepository {
    func commitInfo(_ commit: Owned<OpaquePointer>) -> CommitInfo {
        let pointer = commit.pointer
        return CommitInfo(id: CommitID(git_commit_id(pointer).pointee), parents: parents(of: commit),
                          tree: TreeID(git_commit_tree_id(pointer).pointee),
                          author: GitSignature(git_commit_author(pointer)),
                          committer: GitSignature(git_commit_committer(pointer)),
                          message: git_commit_message(pointer).map { String(cString: $0) } ?? "")
    }

    /// The commits that changed `Products/<id>`, newest first: exactly what
    /// `git log --format=%H -- Products/<id>` lists.
    ///
    /// This replays git's default revision walk rather than libgit2's: commits leave a queue ordered by
    /// committer date (ties in the order they were queued), and each commit is compared with its
    /// parents only by the id of the product's subtree. A commit whose subtree equals one parent's
    /// (the first such parent, for a merge) is not shown and the walk follows only that parent; a
    /// merge that differs from every parent is shown and all its parents are followed; a root commit
    /// is shown when the product exists in it. libgit2's `GIT_SORT_TIME` walk neither simplifies
    /// history this way nor promises git's order between commits with equal dates, hence the replay.
    public func history(of id: String, from start: CommitID) throws -> [ProductVersionCommit] {
        let folder = try productFolder(id)
        var states: [CommitID: TreeEntryRecord?] = [:]
        func state(of commit: CommitID) throws -> TreeEntryRecord? {
            if let known = states[commit] { return known }
            let found = try entry(at: folder, in: rootTree(of: lookupCommit(commit.oid)))
            states[commit] = .some(found)
            return found
        }
        func same(_ lhs: TreeEntryRecord?, _ rhs: TreeEntryRecord?) -> Bool {
            switch (lhs, rhs) {
            case (nil, nil): true
            case let (lhs?, rhs?): lhs.holdsSameContent(as: rhs)
            default: false
            }
        }

        var queue = DateOrderedQueue()
        var seen: Set<CommitID> = [start]
        queue.insert(start, date: try commitTime(start))
        var shown: [ProductVersionCommit] = []
        while let current = queue.popNewest() {
            let commit = try lookupCommit(current.oid)
            let info = commitInfo(commit)
            let here = try state(of: current)
            var followed = info.parents
            var treesame = info.parents.isEmpty && here == nil
            for parent in info.parents {
                guard same(try state(of: parent), here) else { continue }
                followed = [parent]
                treesame = true
                break
            }
            for parent in followed where seen.insert(parent).inserted {
                queue.insert(parent, date: try commitTime(parent))
            }
            if !treesame {
                shown.append(ProductVersionCommit(commit: current, tree: here.map { TreeID($0.oid) },
                                                  author: info.author, committerDate: info.committer.date,
                                                  message: info.message))
            }
        }
        return shown
    }

    private func commitTime(_ commit: CommitID) throws -> Int64 {
        Int64(git_commit_time(try lookupCommit(commit.oid).pointer))
    }

    /// Whether `ancestor` is `commit` or one of its ancestors; false when either is not in the repository.
    public func isAncestor(_ ancestor: CommitID, of commit: CommitID) -> Bool {
        if ancestor == commit { return true }
        if isShallow { return (try? reachable(from: commit).contains(ancestor)) ?? false }
        var commitID = commit.oid
        var ancestorID = ancestor.oid
        return git_graph_descendant_of(pointer, &commitID, &ancestorID) == 1
    }

    /// The best common ancestor of two commits (`git merge-base`), or nil when their histories
    /// share none, or (in a shallow clone) none that was fetched.
    public func mergeBase(_ first: CommitID, _ second: CommitID) throws -> CommitID? {
        if isShallow { return try shallowMergeBase(first, second) }
        var base = git_oid()
        var one = first.oid
        var two = second.oid
        let code = git_merge_base(&base, pointer, &one, &two)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "finding the common ancestor of \(first.short) and \(second.short)")
        return CommitID(base)
    }

    /// Every commit reachable from `start` that is not reachable from `base`, parents before
    /// children, so an index can process only what is new since the head it indexed last.
    ///
    /// Hiding one commit hides its whole ancestry, so the cost follows the new commits, not the
    /// length of the history. A `base` that is no longer in the repository (after a history
    /// rewrite) hides nothing.
    public func commits(from start: CommitID, notReachableFrom base: CommitID?) throws -> [CommitInfo] {
        if isShallow { return try shallowCommits(from: start, notReachableFrom: base) }
        let walk = try make("starting a walk of the history", free: git_revwalk_free) { git_revwalk_new(&$0, pointer) }
        try check(git_revwalk_sorting(walk.pointer, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue),
                  "ordering the history walk")
        var startID = start.oid
        try check(git_revwalk_push(walk.pointer, &startID), "walking the history from \(start.short)")
        if let base {
            var oid = base.oid
            var object: OpaquePointer?
            if git_commit_lookup(&object, pointer, &oid) == 0, let object {
                git_commit_free(object)
                try check(git_revwalk_hide(walk.pointer, &oid), "skipping the already indexed commit \(base.short)")
            }
        }
        var infos: [CommitInfo] = []
        var oid = git_oid()
        while true {
            let code = git_revwalk_next(&oid, walk.pointer)
            if code == GIT_ITEROVER.rawValue { break }
            try check(code, "walking the history from \(start.short)")
            infos.append(commitInfo(try lookupCommit(oid)))
        }
        return infos
    }
}

extension GitRepository {
    /// Every commit reachable from `start` within what a shallow clone holds.
    private func reachable(from start: CommitID) throws -> Set<CommitID> {
        var found = Set<CommitID>()
        var stack = [start]
        while let next = stack.popLast() {
            guard found.insert(next).inserted else { continue }
            stack += parents(of: try lookupCommit(next.oid))
        }
        return found
    }

    /// `mergeBase` in a shallow clone, where libgit2's own search fails on the parents that were
    /// never fetched. A commit that is an ancestor of another common ancestor is the parent of some
    /// common ancestor (every commit between them is common too), so the best ones are the common
    /// ancestors that are no common ancestor's parent; of several, the newest.
    private func shallowMergeBase(_ first: CommitID, _ second: CommitID) throws -> CommitID? {
        let common = try reachable(from: first).intersection(try reachable(from: second))
        var dominated = Set<CommitID>()
        for commit in common { dominated.formUnion(parents(of: try lookupCommit(commit.oid))) }
        return try common.subtracting(dominated).max { try commitTime($0) < commitTime($1) }
    }

    /// `commits(from:notReachableFrom:)` for a shallow clone, where libgit2's revision walk fails on
    /// the parents that were never fetched: a depth-first walk that stops at the shallow boundary
    /// and lists each commit after all of its parents.
    private func shallowCommits(from start: CommitID, notReachableFrom base: CommitID?) throws -> [CommitInfo] {
        var done = Set<CommitID>()
        if let base, (try? lookupCommit(base.oid)) != nil { done = try reachable(from: base) }
        var infos: [CommitInfo] = []
        // An entry with its info is listed once every parent pushed above it has been.
        var stack: [(id: CommitID, info: CommitInfo?)] = [(start, nil)]
        while let (id, info) = stack.popLast() {
            if let info {
                infos.append(info)
                continue
            }
            guard done.insert(id).inserted else { continue }
            let expanded = commitInfo(try lookupCommit(id.oid))
            stack.append((id, expanded))
            stack += expanded.parents.filter { !done.contains($0) }.map { ($0, nil) }
        }
        return infos
    }
}

/// git's commit list for the default walk: newest committer date first, equal dates first-in first-out.
private struct DateOrderedQueue {
    private var items: [(commit: CommitID, date: Int64)] = []

    mutating func insert(_ commit: CommitID, date: Int64) {
        let position = items.firstIndex { $0.date < date } ?? items.endIndex
        items.insert((commit, date), at: position)
    }

    mutating func popNewest() -> CommitID? {
        items.isEmpty ? nil : items.removeFirst().commit
    }
}
