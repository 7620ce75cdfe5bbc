import Catalog
import Foundation
import ProductModel
import RegistryIndex
import RegistrySupport
import Reviews

/// Tells whether a product's catalog parts rendered by an earlier build still hold, without
/// gathering the product: a digest of everything they are rendered from, and the time until which
/// its approvals read the same.
///
/// The digest covers the tool build, the renderer, the site settings and allegations count, the
/// keyring files and chain status, the product's tree, its history (the newest version's commit
/// fixes all earlier ones), the latest check of its tree, and the bytes of every file under
/// `Reviews/<id>/`, and the product's failed links from the last `registry links`. The clock enters only through statement and keyring times: see `validUntil`.
struct CatalogFreshness {
    private let siteDigest: String
    private let reviewDigests: [String: String]
    private let stamps: [String: CatalogProductStamp]
    private let allegations: AllegationsReport?
    private let links: EvidenceLinkRecords?

    init(site: CatalogSite, chain: KeyringChainVerdict, trustAnchor: String?, reviews: [String: [RepositoryFile]],
         stamps: [String: CatalogProductStamp], links: EvidenceLinkRecords?) {
        reviewDigests = reviews.mapValues(Self.digest)
        self.stamps = stamps
        self.links = links
        allegations = site.allegations
        let registry = site.registry
        siteDigest = SHA256Hex.of([
            "catalog-input/1", RegistryVersion.buildIdentity, CatalogBuilder.rendererVersion,
            registry.title, registry.agency, registry.contactEmail, registry.siteURL ?? "", registry.repositoryURL ?? "",
            registry.allowedSigners ?? "", registry.correctionsAddress, registry.localizedHeaderDigestText, site.languagesDigestText,
            site.asOf.description, String(site.minimumCellSize),
            site.allegations == nil ? "no-allegations" : "allegations",
            trustAnchor ?? "", chain.status.rawValue, String(chain.newestVersion), reviewDigests["board"] ?? "",
        ].joined(separator: "\n"))
    }

    /// The digest of everything a product's rendering depends on.
    func digest(of head: ProductHeadRecord) -> String {
        let stamp = stamps[head.productID]
        let allegationCount = allegations.map { report in
            report.count(forProduct: head.productID).map { $0.count.map(String.init) ?? "suppressed" } ?? "0"
        }
        return SHA256Hex.of([
            siteDigest, head.productID, head.treeID, head.contentDigest,
            stamp?.newestCommit ?? "", String(stamp?.versionCount ?? 0), stamp?.latestCheck ?? "",
            reviewDigests[head.productID] ?? "", allegationCount ?? "",
            (links?.failures(of: head.productID) ?? []).map { "\($0.address) \($0.outcome.rawValue) \($0.checkedAt) \($0.failingSince ?? "")" }
                .joined(separator: "\u{1F}"),
        ].joined(separator: "\n"))
    }

    /// The first second after `start` at which an approval verdict over these files could change:
    /// the evaluator compares the clock with each statement's `issued` (allowing for clock skew)
    /// and `expires`, and with the keyring's expiry. Nil when no such time lies ahead.
    static func validUntil(reviews: [RepositoryFile], keyring: Keyring?, after start: StatementTime) -> Int64? {
        var times: [StatementTime] = keyring.map { [$0.expires] } ?? []
        for file in reviews where !file.path.hasSuffix(".sig") {
            if let statement = try? ReviewStatement(parsing: file.bytes) {
                times += [statement.issued, statement.expires]
            } else if let revocation = try? BoardRevocation(parsing: file.bytes) {
                times.append(revocation.issued)
            }
        }
        let skew = ApprovalEvaluator.allowedClockSkew
        return times.flatMap { [$0.secondsSinceEpoch - skew, $0.secondsSinceEpoch] }
            .filter { $0 > start.secondsSinceEpoch }.min()
    }

    /// One digest over a folder's files: each path, length and content in path order.
    private static func digest(_ files: [RepositoryFile]) -> String {
        var bytes: [UInt8] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            bytes += Array("\(file.path)\n\(file.bytes.count)\n".utf8)
            bytes += file.bytes
        }
        return SHA256Hex.of(bytes)
    }
}
