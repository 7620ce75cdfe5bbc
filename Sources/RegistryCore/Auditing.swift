import Foundation
import GitStore
import RegistryIndex

/// The audit trail of state-changing commands, kept in git on `refs/registry/audit`.
///
/// One commit per entry; its first parent is the entry before it and its second parent the branch
/// commit it was written against (for `register`, the commit it made), so the trail keeps that commit
/// reachable and git's own hashes chain the entries besides the SHA-256 chain inside them.
/// `register` commits carry a `Registry-Command` trailer: one killed between moving the branch and
/// writing its entry is recorded by the next command that writes an entry (or by `audit verify`),
/// from the commit itself. The invariant that makes that cheap: every marked commit reachable from
/// the trail has its entry, so the marked commits still to record are those the trail cannot reach.
extension RegistryWorkspace {
    static let auditReference = GitRepository.auditReference

    /// Records a state-changing command, after any registration still missing its entry.
    func audit(_ command: String, _ detail: String, commit: String? = nil) throws {
        let head = try repository.head()
        try recordRegistrations(upTo: head)
        try appendAuditEntry(actor: actor, command: command, detail: detail, commitID: commit,
                             linking: commit.flatMap(CommitID.init(hex:)) ?? head)
    }

    /// Records, oldest first, every commit `register` made up to `start` that has no entry yet, and
    /// returns the entries written. Without a trail only `ownCommit` (the one this process just
    /// made) is recorded: older registrations are never reconstructed into a new trail, so a
    /// deleted trail cannot come back looking complete.
    @discardableResult
    func recordRegistrations(upTo start: CommitID?, ownCommit: CommitID? = nil) throws -> [AuditEntry] {
        guard let start else { return [] }
        let pending: [MarkedCommit]
        if try repository.ledgerTip(Self.auditReference) != nil {
            pending = try repository.markedCommits(from: start, notReachableFrom: Self.auditReference)
        } else {
            pending = try ownCommit.flatMap(repository.markedCommit).map { [$0] } ?? []
        }
        return try pending.compactMap { (marked: MarkedCommit) -> AuditEntry? in
            let id = marked.value.hasPrefix("register ") ? String(marked.value.dropFirst("register ".count)) : marked.value
            let version = (try? loadManifest(id: id, at: marked.commit).version) ?? "(no valid manifest)"
            let tree = (try? repository.productTree(id, at: marked.commit))?.tree.hex ?? "(none)"
            let late = marked.commit == ownCommit ? "" : " (recorded later: the register that made the commit stopped before writing this entry)"
            return try appendAuditEntry(actor: "\(marked.committer.name) <\(marked.committer.email)>", command: "register",
                                        detail: "\(id) \(version) tree \(tree)\(late)", commitID: marked.commit.hex,
                                        linking: marked.commit, onlyIfUnlinked: true)
        }
    }

    /// Appends one entry to the git trail and remembers it as the newest seen on this machine.
    @discardableResult
    private func appendAuditEntry(actor: String, command: String, detail: String, commitID: String?,
                                  linking: CommitID?, onlyIfUnlinked: Bool = false) throws -> AuditEntry? {
        if try repository.ledgerTip(Self.auditReference) == nil { try importLocalAuditLog() }
        var entry: AuditEntry?
        let written = try repository.appendToLedger(Self.auditReference, linking: linking, onlyIfUnlinked: onlyIfUnlinked) { previous in
            let next = AuditChain.entry(after: previous.flatMap { AuditChain.entry(fromMessage: $0.message) }, actor: actor,
                                        command: command, detail: detail, commitID: commitID, at: Date())
            entry = next
            return AuditChain.message(for: next)
        }
        guard written != nil, let entry else { return nil }
        // The witness is a cache: losing it loses only the check against a rewound trail.
        try? index.setAuditWitness("\(entry.sequence) \(entry.hash)")
        return entry
    }

    /// Moves the entries earlier releases kept only in the index into the new git trail, unchanged,
    /// so their hash chain continues there.
    private func importLocalAuditLog() throws {
        guard let local = try? index.legacyAuditEntries(), !local.isEmpty else { return }
        for entry in local {
            let linked = entry.commitID.flatMap { try? repository.resolve($0) }
            try repository.appendToLedger(Self.auditReference, linking: linked) { _ in AuditChain.message(for: entry) }
        }
        try index.clearLegacyAudit()
    }

    /// Checks the trail: every entry's hash and link, the entry this machine saw last, and that every
    /// commit `register` made on this branch has exactly one entry (recording the ones a killed
    /// register left without, when the trail is otherwise intact).
    public func verifyAudit() throws -> AuditVerification {
        let witness = try? index.auditWitness()
        let head = try repository.head()
        guard let ledger = try repository.ledger(Self.auditReference) else {
            return try absentTrail(witness: witness, head: head)
        }
        var problems: [String] = []
        var entries: [AuditEntry] = []
        for commit in ledger {
            guard let entry = AuditChain.entry(fromMessage: commit.message) else {
                problems.append("The commit \(commit.id.short) in '\(Self.auditReference)' is not an audit entry the registry wrote: it was added outside the registry.")
                continue
            }
            if let named = entry.commitID, let linked = commit.linked, linked.hex != named {
                problems.append("Audit entry \(entry.sequence) names commit \(named.prefix(12)) but its trail commit links \(linked.short): it was rewritten outside the registry.")
            }
            entries.append(entry)
        }
        problems += AuditChain.verify(entries, witness: witness)
        var repaired: [AuditEntry] = []
        if problems.isEmpty {
            repaired = try recordRegistrations(upTo: head)
            entries += repaired
        }
        if let head {
            problems += try registrationProblems(head: head, entries: entries)
        }
        if problems.isEmpty, let last = entries.last {
            try? index.setAuditWitness("\(last.sequence) \(last.hash)")
        }
        return AuditVerification(entryCount: entries.count, problems: problems, repaired: repaired.compactMap(\.commitID))
    }

    /// Commits `register` made on this branch with no entry, or with more than one.
    private func registrationProblems(head: CommitID, entries: [AuditEntry]) throws -> [String] {
        let counts = Dictionary(grouping: entries.filter { $0.command == "register" }.compactMap(\.commitID)) { $0 }
            .mapValues(\.count)
        return try repository.markedCommits(from: head, notReachableFrom: nil).compactMap { (marked: MarkedCommit) -> String? in
            switch counts[marked.commit.hex] ?? 0 {
            case 0:
                "The commit \(marked.commit.short) made by registry register has no audit entry: the trail was started after it (a clone that did not fetch '\(Self.auditReference)') or its entry was removed; fetch the shared trail with `git fetch origin \(Self.auditReference):\(Self.auditReference)`."
            case 1:
                nil
            case let count:
                "The commit \(marked.commit.short) made by registry register has \(count) audit entries instead of one: entries were added outside the registry."
            }
        }
    }

    /// The verdict when there is no trail: tampered if this machine saw one, absent otherwise (a
    /// finding when the branch shows registrations happened).
    private func absentTrail(witness: String?, head: CommitID?) throws -> AuditVerification {
        if let witness {
            return AuditVerification(state: .tampered, entryCount: 0, problems: [
                "The audit trail '\(Self.auditReference)' is gone, but this machine saw it up to entry '\(witness)': it was deleted; restore it from the shared repository with `git fetch origin \(Self.auditReference):\(Self.auditReference)`.",
            ])
        }
        let registrations = try head.map { try repository.markedCommits(from: $0, notReachableFrom: nil) } ?? []
        guard let newest = registrations.last else {
            return AuditVerification(state: .absent, entryCount: 0, problems: [
                "There is no audit trail ('\(Self.auditReference)'): no state-changing command has been recorded in this repository, or its trail was not fetched.",
            ], passed: true)
        }
        return AuditVerification(state: .absent, entryCount: 0, problems: [
            "There is no audit trail ('\(Self.auditReference)'), yet \(registrations.count) commits on this branch were made by registry register (newest \(newest.commit.short)); fetch it with `git fetch origin \(Self.auditReference):\(Self.auditReference)`, or restore it if it was deleted.",
        ])
    }
}
