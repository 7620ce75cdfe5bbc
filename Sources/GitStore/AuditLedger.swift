internal import CLibgit2
import Foundation
import RegistrySupport

/// One entry of a ledger ref: a commit whose message holds the entry.
public struct LedgerCommit: Sendable, Hashable {
    /// The entry commit itself.
    public let id: CommitID
    /// Its full message: the entry, in whatever form the caller wrote it.
    public let message: String
    /// Its second parent, if any: the branch commit the entry was written against, which the
    /// ledger keeps reachable (and so `git push` of the ledger ref carries it).
    public let linked: CommitID?

    init(_ info: CommitInfo) {
        id = info.id
        message = info.message
        linked = info.parents.dropFirst().first
    }

    init(id: CommitID, message: String, linked: CommitID?) {
        self.id = id
        self.message = message
        self.linked = linked
    }
}

/// A commit on the branch that says, in a trailer, which registry command made it.
public struct MarkedCommit: Sendable, Hashable {
    /// The marked commit.
    public let commit: CommitID
    /// The trailer's value (`register <product-id>`).
    public let value: String
    /// Who committed it, and when.
    public let committer: GitSignature
}

extension GitRepository {
    /// The ref holding the registry's audit trail, one commit per entry.
    public static let auditReference = "refs/registry/audit"
    /// The trailer `registry register` puts on its commits, so a commit whose audit entry was lost
    /// (the process was killed in between) can be found and recorded later.
    public static let commandTrailer = "Registry-Command"

    /// The message of a ledger's root commit, which every first entry has as its first parent, so
    /// that an entry's first parent is always the entry before it (or this root) and never a
    /// branch commit it links.
    private static let ledgerRootMessage = "registry ledger root\n"

    /// The ledger's entries, oldest first, along first parents (the root commit left out); nil when
    /// the ref does not exist.
    public func ledger(_ reference: String) throws -> [LedgerCommit]? {
        guard var current = try referenceTarget(reference) else { return nil }
        var entries: [LedgerCommit] = []
        while true {
            let info = commitInfo(try lookupCommit(current))
            guard let parent = info.parents.first else {
                if info.message != Self.ledgerRootMessage {
                    entries.append(LedgerCommit(id: info.id, message: info.message, linked: nil))
                }
                break
            }
            entries.append(LedgerCommit(info))
            current = parent.oid
        }
        return entries.reversed()
    }

    /// Appends one entry commit (empty tree) to the ledger, moving the ref by compare-and-swap; the
    /// first entry of a new ledger gets a root commit as its first parent.
    ///
    /// `message` composes the entry from the current newest entry and is called again whenever
    /// another process appended first. With `onlyIfUnlinked`, nothing is appended (and nil is
    /// returned) once `linking` is reachable from the ledger, which is how two processes recording
    /// the same commit end with one entry. A ref lock that does not go away (a stale lock file)
    /// throws `referenceLocked` with the file to remove.
    @discardableResult
    public func appendToLedger(_ reference: String, linking: CommitID?, onlyIfUnlinked: Bool = false,
                               message: (LedgerCommit?) throws -> String) throws -> LedgerCommit? {
        let signature = try ledgerSignature()
        // Registry processes append one at a time. A ref lock file older than this turn was then left
        // by a registry killed while it wrote (stock git holds a ref lock for milliseconds), so it is
        // cleared once instead of stopping every later command.
        let gitFolder = String(cString: git_repository_path(pointer))
        let writers = try FileLock(gitFolder + "registry-audit-writer")
        defer { writers.release() }
        let turnStarted = Date()
        let lockFile = gitFolder + reference + ".lock"
        var clearedStaleLock = false
        var lockedAttempts = 0
        for attempt in 0..<60 {
            let tip = try referenceTarget(reference)
            if onlyIfUnlinked, let linking, let tip, isAncestor(linking, of: CommitID(tip)) { return nil }
            let previous = try tip.map { LedgerCommit(commitInfo(try lookupCommit($0))) }
            let text = try message(previous)
            let tree = try lookupTree(emptyTree())
            let first = try tip ?? createCommit(Self.ledgerRootMessage, tree: tree, parents: [], signature: signature)
            let commitID = try createCommit(text, tree: tree, parents: [first, linking?.oid].compactMap { $0 }, signature: signature)
            switch try moveReference(reference, to: commitID, from: tip, reflog: "registry: audit entry") {
            case .moved:
                return LedgerCommit(id: CommitID(commitID), message: text, linked: linking)
            case .movedByOther:
                lockedAttempts = 0
            case .locked:
                lockedAttempts += 1
                if lockedAttempts >= maximumLockedAttempts, !clearedStaleLock,
                   let modified = try? FileManager.default.attributesOfItem(atPath: lockFile)[.modificationDate] as? Date,
                   modified < turnStarted {
                    unlink(lockFile)
                    clearedStaleLock = true
                    lockedAttempts = 0
                    continue
                }
                if lockedAttempts >= maximumLockedAttempts {
                    throw GitError.referenceLocked(lockFile: lockFile,
                                                   doing: "recording an audit entry",
                                                   afterwards: " (a commit registry register already made gets its entry from the next command, or from `registry audit verify`)")
                }
            }
            usleep(useconds_t(1_000 * (5 + Int.random(in: 0...20) + min(attempt, 8) * 5)))
        }
        throw GitError(.branchBusy, .environment,
                       "The audit trail '\(reference)' kept changing while an entry was being recorded; wait for other registry commands to finish and run the command again.")
    }

    /// The newest entry commit of a ledger, or nil when the ref does not exist.
    public func ledgerTip(_ reference: String) throws -> CommitID? {
        try referenceTarget(reference).map(CommitID.init)
    }

    /// One commit with its `Registry-Command` trailer, or nil when it has none.
    public func markedCommit(_ id: CommitID) throws -> MarkedCommit? {
        let info = commitInfo(try lookupCommit(id.oid))
        return trailer(Self.commandTrailer, in: info.message).map { MarkedCommit(commit: id, value: $0, committer: info.committer) }
    }

    /// Commits reachable from `start` whose message carries the `Registry-Command` trailer, parents
    /// before children, leaving out everything reachable from `reference` (all of them when nil).
    public func markedCommits(from start: CommitID, notReachableFrom reference: String?) throws -> [MarkedCommit] {
        let base = try reference.flatMap(referenceTarget).map(CommitID.init)
        return try commits(from: start, notReachableFrom: base).compactMap { info in
            trailer(Self.commandTrailer, in: info.message).map {
                MarkedCommit(commit: info.id, value: $0, committer: info.committer)
            }
        }
    }

    /// The last value of a trailer in a commit message, as `git interpret-trailers` reads it.
    func trailer(_ key: String, in message: String) -> String? {
        var trailers = git_message_trailer_array()
        guard git_message_trailers(&trailers, message) == 0 else { return nil }
        defer { git_message_trailer_array_free(&trailers) }
        var value: String?
        for index in 0..<trailers.count {
            let trailer = trailers.trailers[index]
            if let name = trailer.key, String(cString: name) == key, let text = trailer.value {
                value = String(cString: text)
            }
        }
        return value
    }

    /// Writes a commit object without moving any ref.
    private func createCommit(_ message: String, tree: Owned<OpaquePointer>, parents ids: [git_oid],
                              signature: Owned<UnsafeMutablePointer<git_signature>>) throws -> git_oid {
        let parentCommits = try ids.map(lookupCommit)
        var parents: [OpaquePointer?] = parentCommits.map(\.pointer)
        var commitID = git_oid()
        try check(git_commit_create(&commitID, pointer, nil, signature.pointer, signature.pointer, nil, message,
                                    tree.pointer, parents.count, &parents),
                  "writing an audit trail commit")
        return commitID
    }

    /// The commit a branch or ref points at, or nil when it does not exist (an unborn branch).
    func referenceTarget(_ reference: String) throws -> git_oid? {
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, pointer, reference)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "reading '\(reference)'")
        return oid
    }

    /// The committer identity for ledger commits; the entry itself names the actor, so a machine
    /// without a git identity (a CI runner) still records its commands.
    private func ledgerSignature() throws -> Owned<UnsafeMutablePointer<git_signature>> {
        if let configured = try? signature(role: "COMMITTER") { return configured }
        var signature: UnsafeMutablePointer<git_signature>?
        let name = environment["USER"] ?? "registry"
        let code = git_signature_now(&signature, name, "\(name)@localhost")
        try check(code, "recording the identity '\(name)'")
        guard let signature else { throw GitError.library(code, while: "recording the identity '\(name)'") }
        return Owned(signature, release: git_signature_free)
    }
}
