import Catalog
import Foundation
import GitStore
import ProductModel
import RegistryIndex
import RegistrySupport
import Reviews

extension RegistryWorkspace {
    /// The registry's history for the annual use reports, removed products' pages and feed events:
    /// every product's versions from the index (removed products included), each newest manifest's
    /// status, review date and demographic fields, the review statements under `Reviews/`, the
    /// versions that reached their approval quorum and the checks this machine's index holds.
    ///
    /// Gathered afresh on every build: it is a few index queries plus one manifest read per removed
    /// product, so the reports follow any change of history without a cache of their own.
    func useHistory(heads: [ProductHeadRecord], reviews: [String: [RepositoryFile]], chain: KeyringChainVerdict) async throws -> UseHistory {
        let versions = Dictionary(grouping: try index.allVersions(), by: \.productID)
        let headManifests = Dictionary(uniqueKeysWithValues: heads.compactMap { head in
            head.manifestJSON.flatMap { try? JSONDecoder().decode(UseFields.self, from: Data($0.utf8)) }.map { (head.productID, $0) }
        })
        var products: [ProductUse] = []
        for (id, records) in versions.sorted(by: { $0.key < $1.key }) {
            let useVersions = records.map { record in
                UseVersion(commit: record.commitID, date: AuditChain.timestamp(record.committedAt), version: record.versionLabel ?? "",
                           author: record.authorName, message: record.message,
                           changes: Self.useChanges(record.changesJSON),
                           removed: record.treeID.isEmpty)
            }
            if let manifest = headManifests[id] {
                products.append(ProductUse(id: id, name: manifest.name, versions: useVersions, newest: manifest.state))
            } else if heads.allSatisfy({ $0.productID != id }), let removed = removedProduct(id, records: records, reviews: reviews[id] ?? [], chain: chain) {
                products.append(ProductUse(id: id, name: removed.manifest.name, versions: useVersions,
                                           newest: UseFields(removed.manifest).state, removal: removed.removal))
            }
        }
        let checks = try index.checkHistory().map { CheckEvent(product: $0.productID, day: CalendarDate(utcDayOf: $0.checkedAt), passed: $0.passed) }
        return UseHistory(products: products, reviews: Self.reviewEvents(reviews), checks: checks,
                          quorums: try await Self.approvalQuorums(quorumCandidates(versions: versions, reviews: reviews, chain: chain)))
    }

    /// The product versions that may have reached their approval quorum, read from git on this task:
    /// only versions with enough distinct approvers, so a build reads one manifest per approved version.
    private func quorumCandidates(versions: [String: [ProductVersionRecord]], reviews: [String: [RepositoryFile]],
                                  chain: KeyringChainVerdict) -> [QuorumCandidate] {
        guard let keyring = chain.keyring else { return [] }
        var candidates: [QuorumCandidate] = []
        for (id, files) in reviews.sorted(by: { $0.key < $1.key }) {
            guard let productID = ProductID(id), let records = versions[id] else { continue }
            let approvals = files.compactMap { file in
                file.path.hasSuffix(".sig") ? nil : (try? ReviewStatement(parsing: file.bytes)).flatMap { $0.decision == .approval ? $0 : nil }
            }
            for (tree, statements) in Dictionary(grouping: approvals, by: \.tree).sorted(by: { $0.key < $1.key }) {
                let threshold = keyring.approvalThreshold(declaresDemographicFields: !statements[0].demographicFields.isEmpty)
                guard Set(statements.map(\.reviewer)).count >= threshold,
                      let record = records.first(where: { $0.treeID == tree }), let commit = CommitID(hex: record.commitID),
                      let manifest = try? loadManifest(id: id, at: commit),
                      case let .review(subject, _, files, trusted) = ApprovalInput.forVersion(
                          product: productID, manifest: manifest, tree: tree, contentDigest: record.contentDigest, chain: chain, files: { files })
                else { continue }
                candidates.append(QuorumCandidate(subject: subject, files: files, keyring: trusted,
                                                  approvalTimes: statements.map(\.issued).sorted()))
            }
        }
        return candidates
    }

    /// Each candidate's quorum, dated by the approval that completed it: its statements are
    /// evaluated, against the trusted keyring as `status` does, at each approval's issue time in
    /// turn until a quorum stands. Signature checks are most of the work, so candidates are
    /// evaluated on every core.
    private static func approvalQuorums(_ candidates: [QuorumCandidate]) async throws -> [ApprovalQuorum] {
        try await Parallel.striped(count: candidates.count) { candidates[$0].quorum() }
    }

    /// The field changes the reports undo (status, review date, demographic fields), decoded only
    /// when the text names one: a history of 10,000 versions would otherwise cost a second per build.
    private static func useChanges(_ json: String?) -> [FieldChange] {
        guard let json, ["\"status\"", "\"review_due\"", "\"demographic_fields["].contains(where: json.contains),
              let changes = try? JSONDecoder().decode([FieldChange].self, from: Data(json.utf8)) else { return [] }
        return changes
    }

    /// A removed product's newest manifest and the newest version a quorum had approved when it
    /// was removed (an approval that had since lapsed or expired still counts as given); nil when
    /// no version's manifest can be read.
    private func removedProduct(_ id: String, records: [ProductVersionRecord], reviews: [RepositoryFile],
                                chain: KeyringChainVerdict) -> (manifest: ProductManifest, removal: ProductRemoval)? {
        guard let productID = ProductID(id), let removal = records.first, removal.treeID.isEmpty else { return nil }
        var newest: ProductManifest?
        var approved: String?
        for record in records where !record.treeID.isEmpty {
            guard let commit = CommitID(hex: record.commitID), let manifest = try? loadManifest(id: id, at: commit) else { continue }
            if newest == nil { newest = manifest }
            let verdict = ApprovalInput.forVersion(product: productID, manifest: manifest, tree: record.treeID,
                                                   contentDigest: record.contentDigest, chain: chain) { reviews }
                .evaluate(chain: chain, now: removal.committedAt, asOf: CalendarDate(utcDayOf: removal.committedAt))
            if [.approved, .lapsed, .expired].contains(verdict.state) {
                approved = manifest.version
                break
            }
        }
        return newest.map { ($0, ProductRemoval(lastApprovedVersion: approved)) }
    }

    /// Every well-formed review statement and board revocation under `Reviews/<id>/`, by the day
    /// it says it was issued. Signatures are not verified here: the report counts decisions filed.
    private static func reviewEvents(_ reviews: [String: [RepositoryFile]]) -> [ReviewEvent] {
        var events: [ReviewEvent] = []
        for (folder, files) in reviews where folder != "board" {
            for file in files where !file.path.hasSuffix(".sig") {
                if let statement = try? ReviewStatement(parsing: file.bytes) {
                    let decision: ReviewEvent.Decision = switch statement.decision {
                    case .approval: .approval
                    case .rejection: .rejection
                    case .revocation: .revocation
                    }
                    events.append(ReviewEvent(product: statement.product.rawValue, version: statement.version, reviewer: statement.reviewer,
                                              decision: decision, issued: CalendarDate(utcDayOf: statement.issued.date)))
                } else if let revocation = try? BoardRevocation(parsing: file.bytes) {
                    events.append(ReviewEvent(product: revocation.product.rawValue, version: revocation.version, reviewer: "board",
                                              decision: .revocation, issued: CalendarDate(utcDayOf: revocation.issued.date)))
                }
            }
        }
        return events
    }
}

/// A product version whose approvals may make a quorum, with everything its evaluation needs.
private struct QuorumCandidate: Sendable {
    var subject: ProductVersionUnderReview
    var files: [RepositoryFile]
    var keyring: Keyring
    /// The issue times of its approvals, oldest first.
    var approvalTimes: [StatementTime]

    /// The quorum, dated by the first approval time at which it stands; nil when it never does.
    func quorum() -> ApprovalQuorum? {
        let reached = approvalTimes.first { issued in
            [.approved, .lapsed].contains(ApprovalEvaluator.evaluate(subject, keyring: keyring, files: files, now: issued.date).state)
        }
        return reached.map { ApprovalQuorum(product: subject.product.rawValue, version: subject.version, reached: CalendarDate(utcDayOf: $0.date)) }
    }
}

/// The manifest fields the history needs, decoded from a head record's JSON without the rest of the manifest.
private struct UseFields: Decodable {
    struct DemographicField: Decodable { var field: String }

    var name: String
    var status: ProductStatus
    var reviewDue: CalendarDate
    var demographicFields: [DemographicField]

    enum CodingKeys: String, CodingKey {
        case name, status, reviewDue = "review_due", demographicFields = "demographic_fields"
    }

    init(_ manifest: ProductManifest) {
        name = manifest.name; status = manifest.status; reviewDue = manifest.reviewDue
        demographicFields = manifest.demographicFields.map { DemographicField(field: $0.field) }
    }

    var state: UseState { UseState(status: status, reviewDue: reviewDue, demographicFields: demographicFields.map(\.field)) }
}
