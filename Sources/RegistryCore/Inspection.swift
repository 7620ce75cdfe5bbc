import Foundation
import GitStore
import ProductModel
import RegistryIndex
import RegistrySupport

/// What `registry show` shows: the product at HEAD with its identity and latest evidence.
public struct ProductDetail: Codable, Sendable {
    public var id: String
    public var commit: String
    public var tree: String
    public var contentDigest: String
    public var manifest: ProductManifest?
    public var problem: String?
    public var versions: [ProductVersionSummary]
    public var latestCheck: ProductCheckResult?
    /// Files changed in the working tree and not yet registered.
    public var uncommittedChanges: [String]

    enum CodingKeys: String, CodingKey {
        case id, commit, tree, manifest, problem, versions
        case contentDigest = "content_sha256"
        case latestCheck = "latest_check"
        case uncommittedChanges = "uncommitted_changes"
    }

    /// The human form.
    public var text: String {
        var lines = ["\(id)  tree \(tree)  content-sha256 \(contentDigest)"]
        if let manifest {
            lines.append("\(manifest.name) \(manifest.version) — \(manifest.status.rawValue)")
            lines.append("Summary: \(manifest.summary)")
            lines.append("Purpose: \(manifest.purpose)")
            lines.append("Owner: \(manifest.owner.team) (\(manifest.owner.accountableRole)), \(manifest.owner.contact)")
            lines.append("Review due: \(manifest.reviewDue)")
            lines.append("Data sources: " + manifest.dataSources.map { "\($0.id) (\($0.origin.rawValue))" }.joined(separator: ", "))
            if manifest.demographicFields.isEmpty {
                lines.append("Demographic fields: none")
            } else {
                lines.append("Demographic fields:")
                lines += manifest.demographicFields.map { "  \($0.field) from \($0.source): \($0.justification)" }
            }
            lines.append("Outputs: " + manifest.outputs.map { "\($0.name) (\($0.level.rawValue)\($0.directsDeployment ? ", directs deployment" : ""))" }.joined(separator: ", "))
        }
        if let problem { lines.append("Manifest problem: \(problem)") }
        lines.append("Versions: \(versions.count)" + (versions.first.map { ", newest \($0.version ?? "?") at \($0.commit.prefix(12)) on \($0.date)" } ?? ""))
        if let check = latestCheck {
            lines.append("Latest check (\(check.checkedOn)): \(check.passed ? "passed" : "failed") with \(check.findings.count) findings")
        } else {
            lines.append("Latest check: none at this tree; run 'registry check \(id)'")
        }
        if !uncommittedChanges.isEmpty {
            lines.append("Uncommitted changes: \(uncommittedChanges.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n")
    }
}

extension RegistryWorkspace {
    /// One product at HEAD, answered from the index plus a working-tree status check.
    public func show(id: String) throws -> ProductDetail {
        let head = try indexedHead(of: id)
        let manifest = head.manifestJSON.flatMap { try? JSONDecoder().decode(ProductManifest.self, from: Data($0.utf8)) }
        let check = try index.latestCheck(of: id, tree: head.treeID)
            .flatMap { try? JSONDecoder().decode(ProductCheckResult.self, from: Data($0.resultJSON.utf8)) }
        let changes = try repository.workingTreeChanges(under: Self.productPath(id)).map { "\($0.path) (\($0.kind.rawValue))" }
        return ProductDetail(id: id, commit: head.commitID, tree: head.treeID, contentDigest: head.contentDigest,
                             manifest: manifest, problem: head.manifestError,
                             versions: try index.versions(of: id).map(Self.versionSummary),
                             latestCheck: check, uncommittedChanges: changes)
    }

    /// Refuses, naming `git fetch --unshallow`, when this is a shallow clone: its history starts at
    /// the shallow boundary, so an answer about older versions would silently be incomplete.
    func requireCompleteHistory(toTell needed: String) throws {
        guard let boundary = shallowBoundaryCommit else { return }
        throw CoreError.shallowHistory(boundary: boundary, needed: needed)
    }

    /// In a shallow clone, the (first) commit its history stops at; nil for a complete repository.
    var shallowBoundaryCommit: String? {
        repository.shallowBoundary.map(\.short).sorted().first
    }

    /// The commit a `diff` end names: a version label of the product, else a git revision.
    ///
    /// A label that several contents carried (registered before `register` enforced new labels for
    /// new content) names no single version, so the answer lists their commits instead of guessing;
    /// a shallow clone cannot rule that out, so there only commit ids compare.
    func diffEnd(_ reference: String, of id: String, versions: [ProductVersionRecord]) throws -> CommitID {
        let labelled = versions.filter { $0.versionLabel == reference && !$0.treeID.isEmpty }
        if Set(labelled.map(\.contentDigest)).count > 1 {
            let commits = labelled.map { "\($0.commitID.prefix(12)) (\(AuditChain.timestamp($0.authoredAt).prefix(10)))" }
            throw CoreError.invalidArgument("The label '\(reference)' names \(Set(labelled.map(\.contentDigest)).count) different contents of \(id), at commits \(commits.joined(separator: ", ")); pass the commit ids to compare instead of the label.")
        }
        if let match = labelled.first {
            // History cut at a shallow boundary may hide older content under the same label.
            try requireCompleteHistory(toTell: "whether the label '\(reference)' names one content of \(id)")
            return try repository.resolve(match.commitID)
        }
        do {
            return try repository.resolve(reference)
        } catch {
            try requireCompleteHistory(toTell: "whether '\(reference)' is an older version of \(id)")
            let labels = versions.compactMap(\.versionLabel)
            throw CoreError.invalidArgument("'\(reference)' is neither a version of \(id) (\(labels.joined(separator: ", "))) nor a git revision; use one of those or a commit id.")
        }
    }
}
