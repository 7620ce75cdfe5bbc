import Foundation
import GitStore
import ProductModel
import RegistryIndex
import RegistrySupport

/// What `registry index` did.
public struct IndexReport: Codable, Sendable {
    public var head: String
    public var newCommits: Int
    public var products: Int
    public var productsReindexed: [String]
    public var rebuilt: Bool

    enum CodingKeys: String, CodingKey {
        case head, products, rebuilt
        case newCommits = "new_commits"
        case productsReindexed = "products_reindexed"
    }
}

extension RegistryWorkspace {
    /// Brings the index up to date with HEAD, or rebuilds it from scratch.
    @discardableResult
    public func updateIndex(rebuild: Bool) throws -> IndexReport {
        if rebuild { try index.clearRebuildable() }
        var report = try refreshIndex()
        report.rebuilt = rebuild
        if rebuild || report.newCommits > 0 {
            try audit(rebuild ? "index-rebuild" : "index", "\(report.newCommits) commits, \(report.products) products", commit: report.head)
        }
        return report
    }

    /// Indexes only the commits not seen before, and re-reads only the products they touched.
    @discardableResult
    func refreshIndex() throws -> IndexReport {
        // Another process may update the index at the same moment (two `register`s); an update
        // computed from a head that moved meanwhile is refused by the index and recomputed.
        for _ in 0..<8 {
            do {
                return try refreshIndexOnce()
            } catch IndexError.concurrentUpdate {
                continue
            }
        }
        throw IndexError.concurrentUpdate
    }

    private func refreshIndexOnce() throws -> IndexReport {
        guard let head = try repository.head() else {
            return IndexReport(head: "", newCommits: 0, products: 0, productsReindexed: [], rebuilt: false)
        }
        let indexedHead = try index.indexedHead()
        if indexedHead == head.hex {
            return IndexReport(head: head.hex, newCommits: 0, products: try index.headProducts().count,
                               productsReindexed: [], rebuilt: false)
        }
        let known = Set(try index.indexedCommits().compactMap(CommitID.init(hex:)))
        let newCommits = try repository.commits(from: head, excluding: known)

        // A product needs its history re-read when a new commit changed its folder.
        let touched = try repository.productsChanged(in: newCommits)

        let headIDs = try repository.productIDs(at: head)
        let previousHeads = Dictionary(uniqueKeysWithValues: try index.headProducts().map { ($0.productID, $0) })
        var histories: [String: [ProductVersionRecord]] = [:]
        if let base = indexedHead.flatMap(CommitID.init(hex:)),
           let added = try repository.versionsAdded(from: head, since: base) {
            // New commits extend the indexed history in a line: prepend their versions.
            for (id, commits) in added {
                let earlier = try index.versions(of: id)
                histories[id] = try versionRecords(of: id, commits: commits, continuing: earlier)
            }
        } else {
            for (id, commits) in try repository.histories(of: touched, from: head) {
                histories[id] = try versionRecords(of: id, commits: commits)
            }
            for id in touched where histories[id] == nil { histories[id] = [] }
        }
        var heads: [ProductHeadRecord] = []
        for id in headIDs {
            if !touched.contains(id), let previous = previousHeads[id] {
                var kept = previous
                kept.commitID = head.hex
                heads.append(kept)
                continue
            }
            heads.append(try headRecord(of: id, at: head))
        }
        try index.applyIndexUpdate(head: head.hex, newCommits: newCommits.map(\.id.hex),
                                   histories: histories, heads: heads, expectedHead: indexedHead)
        return IndexReport(head: head.hex, newCommits: newCommits.count, products: heads.count,
                           productsReindexed: touched.sorted(), rebuilt: false)
    }

    /// One record per version, with its content digest, the manifest's version label and the
    /// field-level changes from the version before (so the catalog never decodes old manifests).
    /// `earlier` are versions already indexed that these commits come after.
    private func versionRecords(of id: String, commits: [ProductVersionCommit],
                                continuing earlier: [ProductVersionRecord] = []) throws -> [ProductVersionRecord] {
        var records: [ProductVersionRecord] = []
        var manifests: [ProductManifest?] = []
        for commit in commits {
            // A commit that removed the product is listed with an empty tree, as git log lists it.
            let tree = commit.tree == nil ? nil : try repository.productTree(id, at: commit.commit)
            let bytes = tree?.entry(at: "product.yaml").flatMap { try? repository.readBlob($0.blob) }.map { Array($0) }
            manifests.append(bytes.flatMap { try? ManifestDecoder.decode($0, file: Self.productPath(id) + "/product.yaml") })
            records.append(ProductVersionRecord(
                productID: id, commitID: commit.commit.hex, position: records.count, treeID: tree?.tree.hex ?? "",
                contentDigest: tree?.contentDigest ?? "", versionLabel: bytes.flatMap(ManifestDecoder.versionLabel(in:)),
                authorName: commit.author.name, authorEmail: commit.author.email, authoredAt: commit.author.date,
                committedAt: commit.committerDate, message: commit.message))
        }
        if let previous = earlier.first, !previous.treeID.isEmpty {
            manifests.append(try? loadManifestText(id: id, at: try repository.resolve(previous.commitID)))
        }
        for index in records.indices where index + 1 < manifests.count {
            if let new = manifests[index], let old = manifests[index + 1] {
                records[index].changesJSON = try CanonicalJSON.string(ManifestDiff.between(old, new))
            }
        }
        for var record in earlier {
            record.position += records.count
            records.append(record)
        }
        return records
    }

    /// A committed manifest decoded strictly but not validated against its files (for diffs).
    private func loadManifestText(id: String, at commit: CommitID) throws -> ProductManifest? {
        let path = Self.productPath(id) + "/product.yaml"
        return try repository.readFile(path, at: commit).map { try ManifestDecoder.decode(Array($0), file: path) }
    }

    private func headRecord(of id: String, at head: CommitID) throws -> ProductHeadRecord {
        let tree = try repository.productTree(id, at: head)
        do {
            let manifest = try loadManifest(id: id, at: head)
            return ProductHeadRecord(productID: id, commitID: head.hex, treeID: tree?.tree.hex ?? "",
                                     contentDigest: tree?.contentDigest ?? "",
                                     manifestJSON: try CanonicalJSON.string(manifest), manifestError: nil,
                                     name: manifest.name, status: manifest.status.rawValue, versionLabel: manifest.version)
        } catch let error as RegistryDiagnostic {
            return ProductHeadRecord(productID: id, commitID: head.hex, treeID: tree?.tree.hex ?? "",
                                     contentDigest: tree?.contentDigest ?? "", manifestJSON: nil,
                                     manifestError: error.message, name: nil, status: nil, versionLabel: nil)
        }
    }
}
