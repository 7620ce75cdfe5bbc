import Foundation
import GitStore
import Policy
import ProductModel
import RegistryIndex
import RegistrySupport
import Reviews

/// What a branch does to one product, compared with the common ancestor of the base and HEAD.
public enum ProductChangeKind: String, Codable, Sendable {
    /// The product folder is new on the branch.
    case added
    /// The product folder's content changed.
    case changed
    /// The product folder was deleted.
    case removed
    /// Only its review statements under `Reviews/<id>/` changed.
    case reviewed
}

/// The version label before and after, and whether its raise fits the change.
public struct VersionChangeSummary: Codable, Sendable {
    /// The label at the common ancestor; nil for an added product.
    public var before: String?
    /// The label on the branch; nil for a removed product.
    public var after: String?
    /// How far the label moved; nil when it did not move up, or a side has no SemVer label.
    public var raise: VersionRaise?
    /// The smallest raise the manifest changes call for (changed products only).
    public var expectedRaise: VersionRaise?
    /// Whether `raise` is at least `expectedRaise`; nil when not judged (added, removed, reviewed).
    public var fits: Bool?
    /// One sentence for the reviewer.
    public var note: String

    enum CodingKeys: String, CodingKey {
        case before, after, raise, fits, note
        case expectedRaise = "expected_raise"
    }
}

/// A finding of the recorded check, as the report lists it.
public struct ReportFinding: Codable, Sendable {
    /// The policy rule that found it.
    public var rule: String
    /// How serious it is.
    public var severity: Severity
    /// What was found, in one sentence.
    public var message: String
}

/// One breakdown's disparity measures, without the per-group rows.
public struct DisparitySummary: Codable, Sendable {
    /// The attributes that define the groups (`["race", "sex"]` for the intersection).
    public var attributes: [String]
    /// The largest group, against which ratios are taken.
    public var referenceGroup: String?
    /// The measures across the groups large enough for a verdict.
    public var disparities: DisparityMeasures

    enum CodingKeys: String, CodingKey {
        case attributes, disparities
        case referenceGroup = "reference_group"
    }
}

/// The check result recorded for the branch's version of a product, if any.
public struct ReportCheck: Codable, Sendable {
    /// `passed`, `failed`, `not_checked` (no result for this tree in the index) or `outdated`
    /// (checked under other policy parameters than the branch's).
    public var state: String
    /// The day the result was checked.
    public var checkedOn: String?
    /// Error findings.
    public var errorCount: Int
    /// Warning findings.
    public var warningCount: Int
    /// Errors and warnings, errors first.
    public var findings: [ReportFinding]
    /// The disparity measures per breakdown, for products with an audit block.
    public var disparity: [DisparitySummary]
    /// What to do when there is no usable result.
    public var nextStep: String?

    enum CodingKeys: String, CodingKey {
        case state, findings, disparity
        case checkedOn = "checked_on"
        case errorCount = "error_count"
        case warningCount = "warning_count"
        case nextStep = "next_step"
    }
}

/// A board member who may still sign, with the key they must use and the commands to run.
public struct ReportSigner: Codable, Sendable {
    /// The member's id in the keyring.
    public var member: String
    /// The SHA-256 fingerprint of the member's key in the keyring (`ssh-keygen -l` shows the same).
    public var fingerprint: String
    /// What the member runs, in order, to sign and commit.
    public var commands: [String]
}

/// The approval state of the branch's version and exactly what it still needs.
public struct ReportApproval: Codable, Sendable {
    /// The approval state of the branch's version.
    public var state: ApprovalState
    /// `threshold-approval`, or `threshold-approval-demographic` when the version declares demographic fields.
    public var thresholdName: String
    /// Distinct approvals required.
    public var threshold: Int
    /// Members whose approvals count, sorted as counted.
    public var approvedBy: [String]
    /// How many more approvals of distinct eligible members the version needs.
    public var stillNeeded: Int
    /// Current members who may still approve: not yet counted and not owners of the product.
    public var mayApprove: [ReportSigner]
    /// Board members who own the product, whose approvals do not count.
    public var ownersExcluded: [String]
    /// Statements that did not count, with why.
    public var notCounted: [UncountedSummary]
    /// One sentence on the state.
    public var explanation: String

    enum CodingKeys: String, CodingKey {
        case state, threshold, explanation
        case thresholdName = "threshold_name"
        case approvedBy = "approved_by"
        case stillNeeded = "still_needed"
        case mayApprove = "may_approve"
        case ownersExcluded = "owners_excluded"
        case notCounted = "not_counted"
    }
}

/// One product the branch changes.
public struct ProductChangeSummary: Codable, Sendable {
    /// The product id.
    public var id: String
    /// Added, changed, removed, or only reviewed.
    public var change: ProductChangeKind
    /// The display name (at the branch, or at the common ancestor when removed).
    public var name: String?
    /// The manifest status on the branch.
    public var status: String?
    /// The version labels and whether the raise fits.
    public var version: VersionChangeSummary
    /// The git tree id of the product folder on the branch.
    public var tree: String?
    /// The SHA-256 content digest of that tree.
    public var contentDigest: String?
    /// Field-level manifest changes from the common ancestor (`registry diff`'s), changed products only.
    public var changes: [FieldChangeSummary]
    /// Demographic fields the branch's version declares.
    public var demographicFields: [String]
    /// Demographic fields the branch adds: the board approves each one by name.
    public var demographicFieldsAdded: [String]
    /// Demographic fields the branch removes.
    public var demographicFieldsRemoved: [String]
    /// Why the branch's manifest cannot be read, when it cannot.
    public var manifestProblem: String?
    /// The recorded check of the branch's version (not for removed products).
    public var check: ReportCheck?
    /// The approval state and what it still needs (not for removed products).
    public var approval: ReportApproval?

    enum CodingKeys: String, CodingKey {
        case id, change, name, status, version, tree, changes, check, approval
        case contentDigest = "content_sha256"
        case demographicFields = "demographic_fields"
        case demographicFieldsAdded = "demographic_fields_added"
        case demographicFieldsRemoved = "demographic_fields_removed"
        case manifestProblem = "manifest_problem"
    }
}

/// A keyring proposal at HEAD with its signatures so far and what it still needs.
public struct ReportProposal: Codable, Sendable {
    /// The proposal as `status` and `board verify` show it: who signed so far and who has not.
    public var proposal: KeyringProposalSummary
    /// Signatures still needed from members of the current keyring.
    public var stillNeededCurrent: Int
    /// Signatures still needed from members of the proposed keyring.
    public var stillNeededProposed: Int
    /// Members who have not signed yet, each with their key and the commands to sign.
    public var mayStillSign: [ReportSigner]

    enum CodingKeys: String, CodingKey {
        case proposal
        case stillNeededCurrent = "still_needed_current"
        case stillNeededProposed = "still_needed_proposed"
        case mayStillSign = "may_still_sign"
    }
}

/// What `registry report --base REV` tells reviewers about a branch.
public struct ChangeReport: Codable, Sendable {
    /// The base revision as given.
    public var base: String
    /// The commit the base names.
    public var baseCommit: String
    /// The common ancestor of the base and HEAD: every change is measured from it.
    public var mergeBase: String
    /// The commit HEAD names.
    public var head: String
    /// The trusted keyring version at HEAD (0 when none is trusted).
    public var keyringVersion: Int
    /// Why no keyring can be trusted, when none can.
    public var keyringProblem: String?
    /// The products the branch changes, sorted by id.
    public var products: [ProductChangeSummary]
    /// The keyring proposals at HEAD.
    public var keyringProposals: [ReportProposal]

    enum CodingKeys: String, CodingKey {
        case base, head, products
        case baseCommit = "base_commit"
        case mergeBase = "merge_base"
        case keyringVersion = "keyring_version"
        case keyringProblem = "keyring_problem"
        case keyringProposals = "keyring_proposals"
    }
}

extension RegistryWorkspace {
    /// The key path reviewers are told to pass to `registry review sign`: where `ssh-keygen` puts a new key.
    static let reviewerKeyPlaceholder = "~/.ssh/id_ed25519"

    /// What the commits on HEAD since its common ancestor with `base` change: per product the
    /// version, manifest fields, demographic fields, the recorded check and the signatures still
    /// needed; and the keyring proposals at HEAD.
    ///
    /// Measuring from the common ancestor (as a pull request's "files changed" does) leaves out
    /// what the base branch gained since the branch started. Check results are read from the index
    /// (written by `check` and `check --merge`), never run here.
    public func changeReport(base: String) async throws -> ChangeReport {
        let head = try targetCommit(nil)
        let baseCommit = try reportBase(base)
        guard let ancestor = try repository.mergeBase(baseCommit, head) else {
            if let boundary = shallowBoundaryCommit {
                throw CoreError.shallowHistory(boundary: boundary, needed: "the common ancestor of '\(base)' and HEAD")
            }
            throw CoreError.invalidArgument("'\(base)' (commit \(baseCommit.short)) and HEAD (commit \(head.short)) share no history, so there is no common ancestor to compare from; pass the branch this one was started from.")
        }
        let products = try changedProducts(from: ancestor, to: head)
        // A registry whose board is not set up yet still gets its report, without approvals.
        let chain: KeyringChainVerdict?
        var keyringProblem: String?
        do {
            chain = try keyringVerdict(at: head)
        } catch let error as CoreError {
            chain = nil
            keyringProblem = error.message
        }
        let trusted = chain?.status == .refused ? nil : chain?.keyring
        if let chain, trusted == nil {
            keyringProblem = chain.problems.first ?? "the keyring chain is not valid; run 'registry board verify'"
        }
        var approvals: [String: ProductApproval] = [:]
        if let chain {
            let reviewable = products.filter { $0.kind != .removed }.map(\.id)
            for approval in try await Self.evaluateWhileReading(reviewable, chain: chain, at: JudgementTime(), read: { id in
                try approvalInput(of: id, at: head, chain: chain)
            }) {
                approvals[approval.id] = approval
            }
        }
        let policy = try? policyParameters(at: head).digest
        let summaries = try products.map { product in
            try productChange(product.id, kind: product.kind, from: ancestor, to: head, policy: policy,
                              approval: approvals[product.id], keyring: trusted)
        }
        let proposals = try chain.map { try evaluatedKeyringProposals(at: head, chain: $0) } ?? []
        return ChangeReport(base: base, baseCommit: baseCommit.hex, mergeBase: ancestor.hex, head: head.hex,
                            keyringVersion: trusted?.version ?? 0, keyringProblem: keyringProblem, products: summaries,
                            keyringProposals: proposals.map { Self.proposalSummary($0, current: trusted) })
    }

    /// The commit `--base` names, refusing in one sentence a name this clone does not know.
    private func reportBase(_ base: String) throws -> CommitID {
        do {
            return try repository.resolve(base)
        } catch let error as GitError where error.category == .usage {
            throw CoreError.invalidArgument("The base revision '\(base)' does not name a commit in this repository; fetch it first (for example 'git fetch origin main') and pass 'origin/main', or pass a commit id.")
        }
    }

    /// Products whose folder, or whose review statements, differ between two commits, sorted by id.
    private func changedProducts(from old: CommitID, to new: CommitID) throws -> [(id: String, kind: ProductChangeKind)] {
        let before = try repository.productTreeIDs(at: old), after = try repository.productTreeIDs(at: new)
        let reviewsBefore = try repository.subfolderTreeIDs(of: ReviewPaths.root, at: old)
        let reviewsAfter = try repository.subfolderTreeIDs(of: ReviewPaths.root, at: new)
        return Set(before.keys).union(after.keys).sorted().compactMap { id in
            switch (before[id], after[id]) {
            case (nil, _): (id, .added)
            case (_, nil): (id, .removed)
            case let (was?, now?) where was != now: (id, .changed)
            default: reviewsBefore[id] != reviewsAfter[id] ? (id, .reviewed) : nil
            }
        }
    }

    /// One product's section of the report.
    private func productChange(_ id: String, kind: ProductChangeKind, from old: CommitID, to new: CommitID, policy: String?,
                               approval: ProductApproval?, keyring: Keyring?) throws -> ProductChangeSummary {
        let before = kind == .added ? nil : try? loadManifest(id: id, at: old)
        var summary = ProductChangeSummary(id: id, change: kind, version: VersionChangeSummary(note: ""), changes: [],
                                           demographicFields: [], demographicFieldsAdded: [], demographicFieldsRemoved: [])
        guard kind != .removed else {
            summary.name = before?.name
            summary.version = VersionChangeSummary(before: before?.version, note: "The product is removed on this branch.")
            return summary
        }
        let tree = try repository.productTree(id, at: new)
        summary.tree = tree?.tree.hex
        summary.contentDigest = tree?.contentDigest
        let after: ProductManifest
        do {
            after = try loadManifest(id: id, at: new)
        } catch let error as RegistryDiagnostic {
            summary.manifestProblem = error.message
            summary.version = VersionChangeSummary(before: before?.version, note: "The manifest cannot be read; fix it first (run 'registry validate \(id)').")
            return summary
        }
        summary.name = after.name
        summary.status = after.status.rawValue
        summary.demographicFields = after.demographicFieldNames
        let earlier = Set(before?.demographicFieldNames ?? [])
        summary.demographicFieldsAdded = after.demographicFieldNames.filter { !earlier.contains($0) }
        summary.demographicFieldsRemoved = earlier.subtracting(after.demographicFieldNames).sorted()
        if let before, kind == .changed {
            let changes = ManifestDiff.between(before, after)
            summary.changes = changes.map { FieldChangeSummary(keyPath: $0.keyPath, before: $0.before, after: $0.after) }
            summary.version = Self.versionChange(before, after, changes: changes)
        } else {
            summary.version = VersionChangeSummary(before: before?.version, after: after.version,
                                                   note: kind == .added ? "A new product, first registered as \(after.version)."
                                                                        : "The content is unchanged; only its review statements changed.")
        }
        if let tree { summary.check = try recordedCheck(id, tree: tree.tree.hex, policy: policy) }
        summary.approval = approval.map { Self.approvalNeeds($0, manifest: after, keyring: keyring) }
        return summary
    }

    /// The version labels of a changed product and whether the raise fits its manifest changes.
    static func versionChange(_ before: ProductManifest, _ after: ProductManifest, changes: [FieldChange]) -> VersionChangeSummary {
        let expected = VersionRaise.expected(from: before, to: after, changes: changes)
        guard let old = SemanticVersion(before.version), let new = SemanticVersion(after.version) else {
            return VersionChangeSummary(before: before.version, after: after.version, expectedRaise: expected.raise,
                                        note: "The version labels are not both SemVer, so the raise cannot be judged.")
        }
        guard let raise = VersionRaise(from: old, to: new) else {
            return VersionChangeSummary(before: before.version, after: after.version, expectedRaise: expected.raise, fits: false,
                                        note: "The content changed but the version \(after.version) is not higher than \(before.version); a \(expected.raise.rawValue) raise is expected because \(expected.reason).")
        }
        let fits = raise >= expected.raise
        return VersionChangeSummary(before: before.version, after: after.version, raise: raise, expectedRaise: expected.raise, fits: fits,
                                    note: fits ? "A \(raise.rawValue) raise, which fits: \(expected.reason)."
                                               : "A \(raise.rawValue) raise, but \(expected.reason), which calls for a \(expected.raise.rawValue) raise.")
    }

    /// The check recorded in the index for this tree (by `check` or `check --merge`), judged
    /// against the branch's policy parameters.
    private func recordedCheck(_ id: String, tree: String, policy: String?) throws -> ReportCheck {
        guard let record = try index.latestCheck(of: id, tree: tree),
              let result = try? JSONDecoder().decode(ProductCheckResult.self, from: Data(record.resultJSON.utf8)) else {
            return ReportCheck(state: "not_checked", errorCount: 0, warningCount: 0, findings: [], disparity: [],
                               nextStep: "No check of this version is recorded here; run 'registry check \(id)', or in CI merge the shards' results with 'registry check --merge' before the report.")
        }
        let findings = result.findings.filter { $0.severity != .note }.sorted { $0.severity < $1.severity }
        let disparity = result.disparity?.breakdowns.map {
            DisparitySummary(attributes: $0.attributes, referenceGroup: $0.referenceGroup, disparities: $0.disparities)
        } ?? []
        let outdated = policy != nil && result.policyDigest != policy
        return ReportCheck(state: outdated ? "outdated" : (result.passed ? "passed" : "failed"), checkedOn: result.checkedOn,
                           errorCount: findings.filter { $0.severity == .error }.count,
                           warningCount: findings.filter { $0.severity == .warning }.count,
                           findings: findings.map { ReportFinding(rule: $0.rule, severity: $0.severity, message: $0.message) },
                           disparity: disparity,
                           nextStep: outdated ? "This result was checked under other policy parameters than this branch's; run 'registry check \(id)' again." : nil)
    }

    /// The approval state with who may still approve, under which threshold, and the commands.
    static func approvalNeeds(_ approval: ProductApproval, manifest: ProductManifest, keyring: Keyring?) -> ReportApproval {
        let approvedBy = approval.counted.map(\.member)
        let owners = manifest.owner.boardMembers.sorted()
        let stillNeeded = approval.state == .approved ? 0 : max(0, approval.threshold - approvedBy.count)
        let eligible = stillNeeded == 0 ? [] : (keyring?.members ?? []).filter { !approvedBy.contains($0.id) && !owners.contains($0.id) }
        let signers = eligible.map { member in
            let statement = ReviewPaths.statement(product: manifest.id, version: manifest.version, member: member.id, decision: .approval)
            return ReportSigner(member: member.id, fingerprint: member.key.fingerprint, commands: [
                "registry review template \(manifest.id.rawValue) --reviewer \(member.id)",
                "registry review sign \(statement) --key \(reviewerKeyPlaceholder)",
                "git add \(statement) \(ReviewPaths.signature(of: statement)) && git commit -m \"\(member.id) approves \(manifest.id.rawValue) \(manifest.version)\"",
            ])
        }
        return ReportApproval(state: approval.state,
                              thresholdName: manifest.demographicFields.isEmpty ? "threshold-approval" : "threshold-approval-demographic",
                              threshold: approval.threshold, approvedBy: approvedBy, stillNeeded: stillNeeded, mayApprove: signers,
                              ownersExcluded: owners, notCounted: approval.notCounted, explanation: approval.explanation)
    }

    /// A keyring proposal with the members who have not signed yet and how to sign.
    static func proposalSummary(_ proposal: KeyringProposal, current: Keyring?) -> ReportProposal {
        let neededCurrent = max(0, (current?.thresholdKeyring ?? 0) - proposal.previousSigners.count)
        let neededProposed = max(0, (proposal.keyring?.thresholdKeyring ?? 0) - proposal.ownSigners.count)
        let missing = Set(proposal.missingPreviousSigners + proposal.missingOwnSigners)
        let members = (current?.members ?? []) + (proposal.keyring?.members ?? [])
        var seen = Set<String>()
        // A file not named keyring.v<NNNN> can never be adopted, so nobody is asked to sign it.
        let signers = proposal.version == nil ? [] : members.filter { missing.contains($0.id) && seen.insert($0.id).inserted }.map { member in
            ReportSigner(member: member.id, fingerprint: member.key.fingerprint, commands: [
                "registry review sign \(proposal.path) --key \(reviewerKeyPlaceholder)",
                "git add \(ReviewPaths.memberSignature(of: proposal.path, member: member.id)) && git commit -m \"\(member.id) signs \(proposal.path)\"",
            ])
        }
        return ReportProposal(proposal: KeyringProposalSummary(proposal), stillNeededCurrent: neededCurrent,
                              stillNeededProposed: neededProposed, mayStillSign: signers)
    }
}
