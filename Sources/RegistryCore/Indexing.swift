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
    public func updateIndex(rebuild: Bool) async throws -> IndexReport {
        if rebuild { try index.clearRebuildable() }
        var report = try await refreshIndex()
        report.rebuilt = rebuild
        if rebuild || report.newCommits > 0 {
            try audit(rebuild ? "index-rebuild" : "index", "\(report.newCommits) commits, \(report.products) products", commit: report.head)
        }
        return report
    }

    /// Indexes only the commits not seen before, and re-reads only the products they touched.
    @discardableResult
    public func refreshIndex() async throws -> IndexReport {
        // Another process may update the index at the same moment (two `register`s); an update
        // computed from a head that moved meanwhile is refused by the index and recomputed.
        for _ in 0..<8 {
            do {
                return try await refreshIndexOnce()
            } catch IndexError.concurrentUpdate {
                continue
            }
        }
        throw IndexError.concurrentUpdate
    }

    private func refreshIndexOnce() async throws -> IndexReport {
        try matchShallowBoundary()
        try matchManifestModel()
        guard let head = try repository.head() else {
            return IndexReport(head: "", newCommits: 0, products: 0, productsReindexed: [], rebuilt: false)
        }
        let indexedHead = try index.indexedHead()
        if indexedHead == head.hex {
            return IndexReport(head: head.hex, newCommits: 0, products: try index.headProductCount(),
                               productsReindexed: [], rebuilt: false)
        }
        // Every ancestor of the indexed head is indexed, so the walk stops there; commits it still
        // yields may have been indexed from another branch before and are skipped.
        let base = indexedHead.flatMap(CommitID.init(hex:))
        if let base, !repository.isAncestor(base, of: head) {
            // HEAD moved back or to another line of history: the index describes commits HEAD does
            // not contain, so it is built again from HEAD.
            try index.clearRebuildable()
            return try await refreshIndexOnce()
        }
        let walked = try repository.commits(from: head, notReachableFrom: base)
        let seen = try index.indexedCommits(among: walked.map(\.id.hex))
        let newCommits = walked.filter { !seen.contains($0.id.hex) }

        // A product needs its history re-read when a new commit changed its folder.
        let touched: Set<String>
        var histories: [(id: String, commits: [ProductVersionCommit], earlier: [ProductVersionRecord])] = []
        if base == nil, let all = try repository.linearHistories(from: head) {
            // A first build of a history without merges: one walk finds every product and its versions.
            touched = Set(all.keys)
            for (id, commits) in all { histories.append((id, commits, [])) }
        } else {
            touched = try repository.productsChanged(in: newCommits)
            if let base, let added = try repository.versionsAdded(from: head, since: base) {
                // New commits extend the indexed history in a line: prepend their versions.
                for (id, commits) in added { histories.append((id, commits, try index.versions(of: id))) }
            } else {
                let walkedHistories = try repository.histories(of: touched, from: head)
                for id in touched { histories.append((id, walkedHistories[id] ?? [], [])) }
            }
        }
        let indexed = try await indexedHistories(histories.sorted { $0.id < $1.id })

        let headIDs = try repository.productIDs(at: head)
        let indexedIDs = try index.headProductIDs()
        var heads: [ProductHeadRecord] = []
        for id in headIDs where touched.contains(id) || !indexedIDs.contains(id) {
            heads.append(try headRecord(of: id, at: head, newest: indexed[id]?.newestManifest))
        }
        try index.applyIndexUpdate(head: head.hex, newCommits: newCommits.map(\.id.hex),
                                   histories: indexed.mapValues(\.records), heads: heads,
                                   removedProducts: indexedIDs.subtracting(headIDs), expectedHead: indexedHead)
        return IndexReport(head: head.hex, newCommits: newCommits.count, products: headIDs.count,
                           productsReindexed: touched.sorted(), rebuilt: false)
    }

    /// An index built in a shallow clone starts every history at the shallow boundary; once the
    /// clone is deepened (`git fetch --unshallow`) or cut elsewhere, it is rebuilt. The boundary it
    /// was built with is remembered beside it.
    private func matchShallowBoundary() throws {
        let marker = Self.stateDirectory(root).appendingPathComponent("index-shallow-boundary")
        let boundary = repository.shallowBoundary.map(\.hex).sorted().map { $0 + "\n" }.joined()
        guard boundary != (try? String(contentsOf: marker, encoding: .utf8)) ?? "" else { return }
        try index.clearRebuildable()
        if boundary.isEmpty {
            try FileManager.default.removeItem(at: marker)
        } else {
            try AtomicFile.write(Data(boundary.utf8), to: marker)
        }
    }

    /// The index keeps manifests decoded; a release that reads more of a manifest (a new key) would
    /// otherwise serve the old decoding until the product changes, so the index is rebuilt once when
    /// the decoder's keys differ from those it was built with, remembered beside it.
    private func matchManifestModel() throws {
        let marker = Self.stateDirectory(root).appendingPathComponent("index-manifest-model")
        let model = SHA256Hex.of(ProductManifest.modelSignature) + "\n"
        guard model != (try? String(contentsOf: marker, encoding: .utf8)) else { return }
        try index.clearRebuildable()
        try AtomicFile.write(Data(model.utf8), to: marker)
    }

    /// The index records of each product's versions. Git is read here, one product after another,
    /// while other tasks decode the manifests read so far: decoding is most of the work.
    private func indexedHistories(_ histories: [(id: String, commits: [ProductVersionCommit], earlier: [ProductVersionRecord])])
        async throws -> [String: IndexedHistory] {
        try await withThrowingTaskGroup(of: IndexedHistory.self) { group in
            for (id, commits, earlier) in histories {
                let source = try historySource(of: id, commits: commits, continuing: earlier)
                group.addTask { try source.indexed() }
            }
            var result: [String: IndexedHistory] = [:]
            for try await history in group { result[history.productID] = history }
            return result
        }
    }

    /// What indexing a product's versions needs from git: each version's tree, digest and manifest
    /// blob, and each distinct manifest's text once. `earlier` are versions already indexed that
    /// these commits come after.
    private func historySource(of id: String, commits: [ProductVersionCommit],
                               continuing earlier: [ProductVersionRecord]) throws -> ProductHistorySource {
        // Each manifest's text is kept by the same read that hashes it for the content digest.
        var texts: [BlobID: [UInt8]] = [:]
        func manifestBlob(in tree: ProductTree?) -> BlobID? {
            guard let blob = tree?.entry(at: "product.yaml")?.blob else { return nil }
            if texts[blob] == nil, let data = try? repository.readBlob(blob) { texts[blob] = Array(data) }
            return texts[blob] == nil ? nil : blob
        }
        let versions = try commits.map { commit in
            // A commit that removed the product is listed with an empty tree, as git log lists it.
            let tree = try commit.tree.map {
                try repository.productTree(id, tree: $0, at: commit.commit, keeping: "product.yaml", in: &texts)
            }
            return ProductHistorySource.Version(commit: commit, tree: tree?.tree.hex ?? "",
                                                contentDigest: tree?.contentDigest ?? "", manifest: manifestBlob(in: tree))
        }
        var previous: BlobID?
        if let newestIndexed = earlier.first, !newestIndexed.treeID.isEmpty {
            previous = manifestBlob(in: try? repository.productTree(id, at: repository.resolve(newestIndexed.commitID)))
        }
        return ProductHistorySource(productID: id, versions: versions, manifestTexts: texts,
                                    previousManifest: previous, earlier: earlier)
    }

    /// The product at HEAD; its manifest's decoding is reused from its newest version when the
    /// blob is the same.
    private func headRecord(of id: String, at head: CommitID, newest: ProductHistorySource.DecodedBlob?) throws -> ProductHeadRecord {
        let tree = try repository.productTree(id, at: head)
        do {
            let manifest: ProductManifest
            if let newest, let tree, tree.entry(at: "product.yaml")?.blob == newest.blob {
                manifest = try validated(newest.manifest.get(), against: tree)
            } else {
                manifest = try loadManifest(id: id, at: head)
            }
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

/// One product's versions as read from git, turned into index records on any task.
struct ProductHistorySource: Sendable {
    /// One version: its commit, product tree id and content digest (empty when the commit removed
    /// the product) and its manifest's blob, if it has one.
    struct Version: Sendable {
        let commit: ProductVersionCommit
        let tree: String
        let contentDigest: String
        let manifest: BlobID?
    }

    /// A manifest blob with the outcome of decoding it strictly.
    struct DecodedBlob: Sendable {
        let blob: BlobID
        let manifest: Result<DecodedManifest, ManifestError>
    }

    let productID: String
    /// Newest first.
    let versions: [Version]
    /// The text of every manifest blob the versions name.
    let manifestTexts: [BlobID: [UInt8]]
    /// The manifest of the newest version already indexed, which the oldest new version is compared with.
    let previousManifest: BlobID?
    /// Versions already indexed that these come after, newest first.
    let earlier: [ProductVersionRecord]

    /// One record per version, with its content digest, the manifest's version label and the
    /// field-level changes from the version before (so the catalog never decodes old manifests),
    /// followed by the earlier versions. Versions are decoded one after another, each reading again
    /// only the manifest sections that changed since the one before.
    func indexed() throws -> IndexedHistory {
        let file = RegistryWorkspace.productPath(productID) + "/product.yaml"
        var decoder = ManifestVersionDecoder(file: file)
        // The newest version is decoded whole, with its lines, for the product's HEAD record; the
        // versions before it reuse its sections.
        let newest = versions.first?.manifest.flatMap { blob in
            manifestTexts[blob].map { DecodedBlob(blob: blob, manifest: decoder.document($0)) }
        }
        var flattened: [BlobID: ManifestLeaves?] = [:]
        if let newest { flattened[newest.blob] = (try? newest.manifest.get()).map { ManifestLeaves($0.manifest) } }
        func leaves(_ blob: BlobID?) -> ManifestLeaves? {
            guard let blob, let text = manifestTexts[blob] else { return nil }
            if let known = flattened[blob] { return known }
            let leaves = decoder.manifest(text).map(ManifestLeaves.init)
            flattened[blob] = leaves
            return leaves
        }
        var records: [ProductVersionRecord] = []
        var manifests: [ManifestLeaves?] = []
        for version in versions {
            let commit = version.commit
            manifests.append(leaves(version.manifest))
            records.append(ProductVersionRecord(
                productID: productID, commitID: commit.commit.hex, position: records.count, treeID: version.tree,
                contentDigest: version.contentDigest,
                versionLabel: version.manifest.flatMap { manifestTexts[$0] }.flatMap(ManifestDecoder.versionLabel(in:)),
                authorName: commit.author.name, authorEmail: commit.author.email, authoredAt: commit.author.date,
                committedAt: commit.committerDate, message: commit.message))
        }
        if previousManifest != nil {
            manifests.append(leaves(previousManifest))
        }
        for index in records.indices where index + 1 < manifests.count {
            if let new = manifests[index], let old = manifests[index + 1] {
                records[index].changesJSON = FieldChange.canonicalJSON(ManifestDiff.between(old, new))
            }
        }
        let added = records.count
        for var record in earlier {
            record.position += added
            records.append(record)
        }
        return IndexedHistory(productID: productID, records: records, newestManifest: newest)
    }
}

/// A product's history as the index stores it.
struct IndexedHistory: Sendable {
    let productID: String
    /// Newest first, positions from 0.
    let records: [ProductVersionRecord]
    /// The newest version's manifest, decoded, so the product's HEAD record need not decode it again.
    let newestManifest: ProductHistorySource.DecodedBlob?
}
