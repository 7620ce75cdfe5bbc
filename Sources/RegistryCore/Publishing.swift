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
    /// Product pages rendered in this build (both languages).
    public var pagesWritten: Int
    /// Product pages reused from the previous site.
    public var pagesUnchanged: Int
    /// Files of the site this build added or changed, product pages included.
    public var filesWritten: Int
    /// Files of the site kept byte for byte from the previous site.
    public var filesUnchanged: Int
    public var allegations: Int?

    enum CodingKeys: String, CodingKey {
        case path, commit, products, allegations
        case pagesWritten = "product_pages_written"
        case pagesUnchanged = "product_pages_unchanged"
        case filesWritten = "files_written"
        case filesUnchanged = "files_unchanged"
    }
}

extension RegistryWorkspace {
    /// Builds the public catalog for HEAD from git, the reviews, the latest checks and the allegations file.
    ///
    /// Products whose inputs are unchanged since a previous build (same tree, history, check,
    /// reviews, keyring and settings, and approvals not crossing an issue or expiry time) are taken
    /// from the catalog cache, provided the output folder still holds their pages; only the others
    /// are gathered, verified and rendered. The result is byte-identical either way.
    ///
    /// The site is built in a new folder beside `out` and switched into place whole; `out` must be
    /// new, empty or a catalog the registry built, and never the repository or a folder of it.
    ///
    /// A shallow clone is refused: its annual reports, removed products and version histories
    /// would start at the clone's boundary, and a public record must never be silently partial.
    /// The CI templates and the Kubernetes jobs fetch the whole history before they build.
    public func buildCatalog(out: String, allegations: URL?, asOf: String?) async throws -> CatalogReport {
        try requireCompleteHistory(toTell: "the annual use reports, removed products and version histories the catalog publishes")
        let outURL = try catalogOutput(out)
        let commit = try targetCommit(nil)
        // The date is printed on the index, so a build is byte-identical for a given day; with
        // --as-of, approvals are judged at that day's end, never at the clock.
        let judged = try JudgementTime(asOf: asOf)
        let asOfDate = judged.day
        let heads = try index.headProducts().filter { $0.manifestJSON != nil }
        let cache = CatalogCache(stateDirectory: Self.stateDirectory(root))
        // Allegations must name products this registry publishes and dates up to the catalog's day.
        let knownProducts = Set(heads.compactMap { ProductID($0.productID) })
        // The allegations file, the output folder's state and the cached parts are read on other
        // tasks while git is read here (libgit2 stays on this task).
        async let parsedAllegations = allegations.map {
            try AllegationsImporter.parse(contentsOf: $0, fileName: $0.relativePath, knownProducts: knownProducts, latestDate: asOfDate)
        }
        async let openedFolder = CatalogFolder(outURL)
        async let cachedParts = cache.parts(of: heads.map(\.productID))
        let parameters = try policyParameters(at: commit)
        let chain = try keyringVerdict(at: commit, now: judged.moment)
        let parsed = try await parsedAllegations
        let report = parsed.map { AllegationsReport.aggregate($0, minimumCellSize: parameters.minimumCellSize) }
        let info = RegistryInfo(title: configuration.title, agency: configuration.agency,
                                contactEmail: configuration.contact,
                                allowedSigners: chain.keyring.map(AllowedSigners.render),
                                correctionsContact: configuration.correctionsContact,
                                translatedTitles: configuration.translations.compactMapValues(\.title),
                                translatedAgencies: configuration.translations.compactMapValues(\.agency))
        // One walk of Reviews/ serves every product's approvals, hosted files and freshness.
        let reviews = try reviewFilesByFolder(at: commit)
        let site = CatalogSite(registry: info, asOf: asOfDate, minimumCellSize: parameters.minimumCellSize, allegations: report,
                               history: try await useHistory(heads: heads, reviews: reviews, chain: chain),
                               registryLanguages: try interfaceLanguages(at: commit))
        let links = storedLinkRecords()
        let freshness = CatalogFreshness(site: site, chain: chain, trustAnchor: configuration.trustAnchor,
                                         reviews: reviews, stamps: try index.catalogStamps(), links: links)
        let folder = try await openedFolder
        let cached = await cachedParts
        let now = StatementTime(judged.moment).secondsSinceEpoch
        let reusable = heads.compactMap { head in
            cached[head.productID].flatMap { $0.entry.holds(for: freshness.digest(of: head), at: now) ? $0.product : nil }
        }
        let held = folder.holdingPages(reusable.map { ($0.id, $0.pageDigest) }, site: site)
        var products = reusable.filter { held.contains($0.id) }
        let stale = heads.filter { !held.contains($0.productID) }
        let fresh = try await renderCatalogProducts(stale, chain: chain, reviews: reviews, links: links, site: site, folder: folder,
                                                    at: judged.moment)
        for product in fresh {
            try cache.store(CatalogCache.Entry(inputDigest: freshness.digest(of: product.head), renderedAt: product.renderedAt,
                                               validUntil: product.validUntil, archive: product.rendered.archived[...]),
                            for: product.head.productID)
        }
        cache.prune(keeping: Set(heads.map(\.productID)))
        products += fresh.map(\.rendered)

        let summary = try CatalogBuilder.assemble(products, site: site, into: folder)
        try audit("catalog-build", "\(products.count) products to \(outURL.path)", commit: commit.hex)
        return CatalogReport(path: outURL.path, commit: commit.hex, products: summary.productCount,
                             pagesWritten: summary.productPagesWritten, pagesUnchanged: summary.productPagesUnchanged,
                             filesWritten: summary.filesWritten, filesUnchanged: summary.filesUnchanged,
                             allegations: parsed?.count)
    }

    /// The catalog's output folder, resolved, unless it is the repository, a folder holding it, or
    /// lies in a folder of the registry's own (`Products/`, `Reviews/`, `.git`, the catalog cache),
    /// which the build's switch would replace whole.
    private func catalogOutput(_ out: String) throws -> URL {
        let folder = try CatalogFolder.resolve(out).path
        let repository = try CatalogFolder.resolve(root.path).path
        func inside(_ path: String, _ base: String) -> Bool { path == base || path.hasPrefix(base == "/" ? "/" : base + "/") }
        if inside(repository, folder) {
            throw CatalogError.unsuitableOutput(path: folder, reason: folder == repository
                ? "that is the registry's repository; name a folder for the site, such as public"
                : "that folder holds the registry's repository; name a folder for the site, such as public")
        }
        let cache = CatalogCache.folder(stateDirectory: Self.stateDirectory(URL(fileURLWithPath: repository))).path
        for (base, role) in [("Products", "the products' own files"), ("Reviews", "the signed reviews"), (".git", "the git repository")]
        where inside(folder, repository + "/" + base) {
            throw CatalogError.unsuitableOutput(path: folder, reason: "it lies in \(base)/, which holds \(role); name a folder outside it, such as public")
        }
        if inside(folder, cache) {
            throw CatalogError.unsuitableOutput(path: folder, reason: "it lies in the catalog cache; name a folder outside it, such as public")
        }
        return URL(fileURLWithPath: folder)
    }

    /// Every file under `Reviews/` at a commit, grouped by the folder below it (a product id, or `board`).
    /// Where a registry adds site languages or rewords the shipped ones, one `<tag>.json` each.
    static let languagesFolder = "Languages"

    /// The languages the registry adds or rewords, from `Languages/<tag>.json` at `commit`.
    func interfaceLanguages(at commit: CommitID) throws -> [InterfaceStrings] {
        try repository.files(under: Self.languagesFolder, at: commit).sorted { $0.key < $1.key }.map { path, data in
            try InterfaceStrings.parse(registryFile: Array(data), path: path)
        }
    }

    /// The languages the working tree's `Languages/` adds or rewords, for `validate`.
    func workingTreeInterfaceLanguages() throws -> [InterfaceStrings] {
        let folder = root.appendingPathComponent(Self.languagesFolder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return try names.sorted().map { name in
            let path = Self.languagesFolder + "/" + name
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
                throw CatalogError.badLanguageFile(file: path, reason: "the file cannot be read")
            }
            return try InterfaceStrings.parse(registryFile: Array(data), path: path)
        }
    }

    private func reviewFilesByFolder(at commit: CommitID) throws -> [String: [RepositoryFile]] {
        var folders: [String: [RepositoryFile]] = [:]
        for (path, data) in try repository.files(under: "Reviews", at: commit) {
            let parts = path.split(separator: "/", maxSplits: 2)
            guard parts.count == 3 else { continue }
            folders[String(parts[1]), default: []].append(RepositoryFile(path: path, bytes: Array(data)))
        }
        return folders.mapValues { $0.sorted { $0.path < $1.path } }
    }

    /// Gathers, verifies and renders the given products: their history and checks in two index
    /// queries, then on every core each product's manifest decoded, approvals verified (at `now`)
    /// and pages rendered.
    private func renderCatalogProducts(_ heads: [ProductHeadRecord], chain: KeyringChainVerdict,
                                       reviews: [String: [RepositoryFile]], links: EvidenceLinkRecords?, site: CatalogSite,
                                       folder: CatalogFolder, at now: Date) async throws -> [FreshCatalogProduct] {
        guard !heads.isEmpty else { return [] }
        let versions = try index.versions(of: heads.map(\.productID))
        let checks = try index.latestChecks(of: Dictionary(uniqueKeysWithValues: heads.map { ($0.productID, $0.treeID) }))
        // One instant for every verdict, so each product's rendering holds from it until its next statement time.
        let evaluatedAt = StatementTime(now)
        return try await Parallel.striped(count: heads.count) { index in
            let head = heads[index]
            guard let json = head.manifestJSON,
                  let manifest = try? JSONDecoder().decode(ProductManifest.self, from: Data(json.utf8)) else { return nil }
            let source = CatalogSource(head: head, manifest: manifest, reviews: reviews[head.productID] ?? [],
                                       versions: versions[head.productID] ?? [], check: checks[head.productID],
                                       linkFailures: links?.failures(of: head.productID) ?? [])
            let approval = source.approvalInput(chain: chain).evaluate(chain: chain, now: now, asOf: site.asOf)
            let product = try source.catalogProduct(approval: approval)
            return FreshCatalogProduct(
                head: head, rendered: try CatalogBuilder.render(product, site: site, into: folder),
                renderedAt: evaluatedAt.secondsSinceEpoch,
                validUntil: CatalogFreshness.validUntil(reviews: source.reviews, keyring: chain.keyring, after: evaluatedAt))
        }
    }
}

/// The parts of a stored `ProductCheckResult` the catalog shows; of the run record, only its environment.
private struct CatalogCheckResult: Decodable {
    var passed: Bool
    var findings: [Finding]
    var disparity: DisparityReport?
    var run: RunPart?

    /// Only the environment of the run record.
    struct RunPart: Decodable {
        var environment: RunEnvironment?
    }
}

/// A product rendered in this build, with how long its rendering holds.
private struct FreshCatalogProduct: Sendable {
    var head: ProductHeadRecord
    var rendered: RenderedProduct
    var renderedAt: Int64
    var validUntil: Int64?
}

/// Everything read from git and the index for one product the catalog renders afresh.
private struct CatalogSource: Sendable {
    var head: ProductHeadRecord
    var manifest: ProductManifest
    /// The files under `Reviews/<id>/`.
    var reviews: [RepositoryFile]
    /// Newest first.
    var versions: [ProductVersionRecord]
    var check: CheckRecord?
    /// The product's links that failed at the last `registry links`.
    var linkFailures: [EvidenceLinkResult]

    /// The approval evaluation of the HEAD tree against this product's review files.
    func approvalInput(chain: KeyringChainVerdict) -> ApprovalInput {
        ApprovalInput.forVersion(product: manifest.id, manifest: manifest, tree: head.treeID,
                                 contentDigest: head.contentDigest, chain: chain) { reviews }
    }

    /// The product as the catalog shows it, with the approval verified for it.
    func catalogProduct(approval: ProductApproval) throws -> CatalogProduct {
        CatalogProduct(manifest: manifest, tree: head.treeID, contentDigest: head.contentDigest,
                       approvalState: approval.state, approvals: approvals(approval), latestCheck: latestCheck(),
                       history: history(), withheld: try Self.withheldFields(manifest), linkFailures: linkFailures)
    }

    /// The approvals that count, with the statement and signature texts so the catalog can host them.
    private func approvals(_ approval: ProductApproval) -> [CatalogApproval] {
        let texts = Dictionary(reviews.map { ($0.path, String(decoding: $0.bytes, as: UTF8.self)) },
                               uniquingKeysWith: { first, _ in first })
        return approval.counted.map { counted in
            CatalogApproval(reviewer: counted.member, issued: counted.issued, expires: counted.expires,
                            version: approval.version, contentDigest: approval.contentDigest,
                            statementPath: counted.path, signaturePath: counted.path + ".sig",
                            statement: texts[counted.path], signature: texts[counted.path + ".sig"])
        }
    }

    /// The latest check of the HEAD tree, dated by the commit that made that tree the product's
    /// newest version, so unrelated commits leave it, and the page showing it, unchanged.
    private func latestCheck() -> CatalogCheck? {
        guard let check,
              let result = try? JSONDecoder().decode(CatalogCheckResult.self, from: Data(check.resultJSON.utf8)) else {
            return nil
        }
        let tables = (result.disparity?.breakdowns ?? []).map { breakdown in
            DisparityTable(attribute: breakdown.attributes.joined(separator: " × "), referenceGroup: breakdown.referenceGroup,
                           rows: breakdown.groups.map { group in
                               DisparityRow(group: group.label, count: group.count,
                                            selectionRate: group.selectionRate.value,
                                            wilsonLower: group.selectionRate.wilson95?.lowerBound,
                                            wilsonUpper: group.selectionRate.wilson95?.upperBound,
                                            ratio: group.ratiosToReference["selection_rate"] ?? nil,
                                            difference: group.differencesToReference["selection_rate"] ?? nil,
                                            truePositiveRate: group.truePositiveRate?.value,
                                            falsePositiveRate: group.falsePositiveRate?.value,
                                            belowMinimumGroupSize: !group.eligible)
                           }, hasLabels: result.disparity?.hasLabels ?? false)
        }
        let newest = versions.first
        return CatalogCheck(passed: result.passed, commit: newest?.commitID ?? "",
                            commitDate: newest.map { AuditChain.timestamp($0.committedAt) } ?? "",
                            findings: result.findings, disparity: tables,
                            environment: result.run?.environment.map { environment in
                                CatalogRunEnvironment(interpreter: environment.interpreter, interpreterVersion: environment.interpreterVersion,
                                                      digest: environment.digest,
                                                      distributions: environment.distributions.map { "\($0.name) \($0.version)" })
                            })
    }

    /// Version history with the field-level manifest changes the index recorded.
    private func history() -> [CatalogVersion] {
        versions.map { version in
            let changes = version.changesJSON.flatMap { try? JSONDecoder().decode([FieldChange].self, from: Data($0.utf8)) } ?? []
            return CatalogVersion(commit: version.commitID, date: AuditChain.timestamp(version.committedAt),
                                  version: version.versionLabel ?? "", message: version.message, changes: changes)
        }
    }

    /// Each withheld field's reason and salted commitment (`WithheldCommitment`), so a later
    /// disclosure can be checked; a field without a salt stops the build rather than publish a guessable hash.
    static func withheldFields(_ manifest: ProductManifest) throws -> [CatalogWithheldField] {
        try manifest.publication.withheld.enumerated().map { index, field in
            guard let salt = field.salt, WithheldCommitment.isSalt(salt) else {
                throw CoreError.invalidManifest(id: manifest.id.rawValue, problems: [
                    "public.withheld[\(index)].salt for '\(field.field)' is missing or not 64 hex characters, so its commitment could be guessed; \(WithheldCommitment.howToAddSalt), then commit the product.",
                ])
            }
            let value = try WithheldCommitment.disclosedValue(of: field.field, in: manifest)
            return CatalogWithheldField(field: field.field, reason: field.reason,
                                        commitment: WithheldCommitment.commitment(salt: salt, disclosedValue: value))
        }
    }
}
