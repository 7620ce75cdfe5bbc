import Catalog
import Foundation
import GitStore
import Policy
import ProductModel
import RegistryIndex
import RegistrySupport
import Reviews

/// What `registry catalog build` wrote.
public struct CatalogReport: Codable, Sendable {
    public var path: String
    public var commit: String
    public var products: Int
    public var filesWritten: Int
    public var filesUnchanged: Int
    public var allegations: Int?

    enum CodingKeys: String, CodingKey {
        case path, commit, products, allegations
        case filesWritten = "product_pages_written"
        case filesUnchanged = "product_pages_unchanged"
    }
}

extension RegistryWorkspace {
    /// Builds the public catalog for HEAD from git, the reviews, the latest checks and the allegations file.
    public func buildCatalog(out: URL, allegations: URL?, asOf: String?) async throws -> CatalogReport {
        let commit = try targetCommit(nil)
        var asOfDate: CalendarDate?
        if let asOf {
            guard let date = CalendarDate(asOf) else {
                throw CoreError.invalidArgument("--as-of '\(asOf)' is not a date; write YYYY-MM-DD.")
            }
            asOfDate = date
        }
        let parameters = try policyParameters(at: commit)
        var report: AllegationsReport?
        var allegationCount: Int?
        if let allegations {
            let parsed = try AllegationsImporter.parse(contentsOf: allegations, fileName: allegations.path)
            allegationCount = parsed.count
            report = AllegationsReport.aggregate(parsed, minimumCellSize: parameters.minimumCellSize)
        }

        let chain = try keyringVerdict(at: commit)
        var products: [CatalogProduct] = []
        for head in try index.headProducts() {
            guard let json = head.manifestJSON,
                  let manifest = try? JSONDecoder().decode(ProductManifest.self, from: Data(json.utf8)) else { continue }
            let approval = try approvalState(of: head.productID, at: commit, chain: chain, indexed: head)
            products.append(CatalogProduct(
                manifest: manifest, tree: head.treeID, contentDigest: head.contentDigest,
                approvalState: approval.state,
                approvals: try catalogApprovals(approval, commit: commit),
                latestCheck: try catalogCheck(id: head.productID, tree: head.treeID),
                history: try catalogHistory(id: head.productID),
                withheld: try Self.withheldFields(manifest)))
        }
        let info = RegistryInfo(title: configuration.title, agency: configuration.agency,
                                contactEmail: configuration.contact,
                                allowedSigners: chain.keyring.map(AllowedSigners.render))
        let input = CatalogInput(registry: info, asOf: asOfDate, minimumCellSize: parameters.minimumCellSize, products: products)
        let summary = try CatalogBuilder.build(input, allegations: report, to: out)
        try audit("catalog-build", "\(products.count) products to \(out.path)", commit: commit.hex)
        return CatalogReport(path: out.path, commit: commit.hex, products: summary.productCount,
                             filesWritten: summary.productPagesWritten, filesUnchanged: summary.productPagesUnchanged,
                             allegations: allegationCount)
    }

    /// The approvals that count, with the statement and signature texts so the catalog can host them.
    private func catalogApprovals(_ approval: ProductApproval, commit: CommitID) throws -> [CatalogApproval] {
        try approval.counted.map { counted in
            let statement = try repository.readFile(counted.path, at: commit)
            let signature = try repository.readFile(counted.path + ".sig", at: commit)
            return CatalogApproval(reviewer: counted.member, issued: counted.issued, expires: counted.expires,
                                   version: approval.version, contentDigest: approval.contentDigest,
                                   statementPath: counted.path, signaturePath: counted.path + ".sig",
                                   statement: statement.map { String(decoding: $0, as: UTF8.self) },
                                   signature: signature.map { String(decoding: $0, as: UTF8.self) })
        }
    }

    /// The latest check of this exact tree, as the catalog shows it.
    private func catalogCheck(id: String, tree: String) throws -> CatalogCheck? {
        guard let record = try index.latestCheck(of: id, tree: tree),
              let result = try? JSONDecoder().decode(ProductCheckResult.self, from: Data(record.resultJSON.utf8)) else {
            return nil
        }
        let date = try index.versions(of: id).first.map { AuditChain.timestamp($0.committedAt) } ?? ""
        let tables = (result.disparity?.breakdowns ?? []).map { breakdown in
            DisparityTable(attribute: breakdown.attributes.joined(separator: " × "), referenceGroup: breakdown.referenceGroup,
                           rows: breakdown.groups.map { group in
                               DisparityRow(group: group.label, count: group.count,
                                            selectionRate: group.selectionRate.value,
                                            wilsonLower: group.selectionRate.wilson95?.lowerBound,
                                            wilsonUpper: group.selectionRate.wilson95?.upperBound,
                                            ratio: group.ratiosToReference["selection_rate"] ?? nil,
                                            belowMinimumGroupSize: !group.eligible)
                           })
        }
        return CatalogCheck(passed: result.passed, commit: (try index.indexedHead()) ?? "", commitDate: date,
                            findings: result.findings, disparity: tables)
    }

    /// Version history with the field-level manifest changes the index recorded.
    private func catalogHistory(id: String) throws -> [CatalogVersion] {
        try index.versions(of: id).map { version in
            let changes = version.changesJSON.flatMap { try? JSONDecoder().decode([FieldChange].self, from: Data($0.utf8)) } ?? []
            return CatalogVersion(commit: version.commitID, date: AuditChain.timestamp(version.committedAt),
                                  version: version.versionLabel ?? "", message: version.message, changes: changes)
        }
    }

    /// Each withheld field's reason and the SHA-256 of its canonical JSON value, so publishing it later can be checked.
    static func withheldFields(_ manifest: ProductManifest) throws -> [CatalogWithheldField] {
        let object = try JSONSerialization.jsonObject(with: try CanonicalJSON.encode(manifest)) as? [String: Any] ?? [:]
        return try manifest.publication.withheld.map { field in
            let value = object[field.field] ?? NSNull()
            let data = try JSONSerialization.data(withJSONObject: ["value": value], options: [.sortedKeys, .withoutEscapingSlashes])
            return CatalogWithheldField(field: field.field, reason: field.reason, commitment: SHA256Hex.of(data))
        }
    }
}
