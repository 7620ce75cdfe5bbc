import Foundation
import GitStore
import ProductModel
import Reviews
import RegistrySupport

/// How `registry links` fetches.
public struct LinkCheckOptions: Sendable {
    /// Seconds to wait for each response before the link counts as timed out.
    public var timeout: Double
    /// Redirects followed before a link counts as broken.
    public var maximumRedirects: Int
    /// Fetch loopback addresses instead of reporting them as not public: for testing the checker
    /// against a server on this machine, never for a real registry.
    public var allowLoopback: Bool
    /// Links fetched at once.
    public var jobs: Int
    /// A PEM file of certificate authorities trusted instead of the system's: for testing the
    /// checker against a local https server, never for a real registry.
    public var trustedCertificatesFile: String?

    /// Options with the command's defaults.
    public init(timeout: Double = 10, maximumRedirects: Int = 5, allowLoopback: Bool = false, jobs: Int = 8,
                trustedCertificatesFile: String? = nil) {
        self.timeout = timeout; self.maximumRedirects = maximumRedirects; self.allowLoopback = allowLoopback; self.jobs = jobs
        self.trustedCertificatesFile = trustedCertificatesFile
    }
}

/// What `registry links` found.
public struct LinksReport: Codable, Sendable {
    /// Whether every link works.
    public var passed: Bool
    /// The commit whose manifests were read.
    public var commit: String
    /// When the check ran (UTC).
    public var checkedAt: String
    /// One result per address, sorted.
    public var links: [EvidenceLinkResult]
    /// Where the results are stored for `check` and `catalog build`.
    public var storedIn: String

    enum CodingKeys: String, CodingKey {
        case passed, commit, links
        case checkedAt = "checked_at"
        case storedIn = "stored_in"
    }
}

extension RegistryWorkspace {
    /// Where link results are kept: machine-local evidence beside the index, not in git, since a
    /// link's state belongs to the moment and the network it was checked from.
    static func linkRecordsURL(_ root: URL) -> URL { stateDirectory(root).appendingPathComponent("links.json") }

    /// Checks every address the manifests at HEAD cite and stores the results with their date.
    public func checkLinks(options: LinkCheckOptions) async throws -> LinksReport {
        // Before any work, so a machine without libcurl learns it at once and nothing is stored.
        try HTTPProbe.requireLibrary()
        let commit = try targetCommit(nil)
        var citations: [String: [EvidenceLinkCitation]] = [:]
        for id in try repository.productIDs(at: commit) {
            // An invalid manifest is `validate`'s and `check`'s to report; its links wait for the fix.
            guard let manifest = try? loadManifest(id: id, at: commit) else { continue }
            for (keyPath, address) in manifest.citedAddresses {
                citations[address, default: []].append(EvidenceLinkCitation(product: id, keyPath: keyPath))
            }
        }
        let previous = Dictionary(storedLinkRecords()?.links.map { ($0.address, $0) } ?? [], uniquingKeysWith: { first, _ in first })
        let now = StatementTime(Date()).description
        let checker = LinkChecker(options: options)
        var results: [EvidenceLinkResult] = []
        await withTaskGroup(of: EvidenceLinkResult.self) { group in
            var queue = citations.keys.sorted()[...]
            func startNext() {
                guard let address = queue.popFirst() else { return }
                let cited = citations[address] ?? []
                group.addTask { await checker.check(address, citedBy: cited, at: now) }
            }
            for _ in 0..<max(1, options.jobs) { startNext() }
            for await result in group {
                var result = result
                if !result.works {
                    let earlier = previous[result.address]
                    result.failingSince = earlier.flatMap { $0.works ? nil : ($0.failingSince ?? $0.checkedAt) } ?? now
                }
                results.append(result)
                startNext()
            }
        }
        results.sort { $0.address < $1.address }
        let url = Self.linkRecordsURL(root)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var data = try JSONEncoder.pretty.encode(EvidenceLinkRecords(links: results))
        data.append(0x0A)
        try AtomicFile.write(data, to: url)
        return LinksReport(passed: results.allSatisfy(\.works), commit: commit.hex, checkedAt: now, links: results,
                           storedIn: ".registry/links.json")
    }

    /// The results of the last `registry links` on this machine, or `nil` when there are none or
    /// the file cannot be read (then nothing is known about links, which is not a finding).
    func storedLinkRecords() -> EvidenceLinkRecords? {
        guard let data = FileManager.default.contents(atPath: Self.linkRecordsURL(root).path),
              let records = try? JSONDecoder().decode(EvidenceLinkRecords.self, from: data),
              records.format == EvidenceLinkRecords.currentFormat else { return nil }
        return records
    }

    /// `check` warnings for links a product cites that have failed for longer than the policy
    /// allows, from the stored results: `check` never touches the network.
    func linkFindings(for product: String, records: EvidenceLinkRecords?, parameters: PolicyParameters,
                      now: StatementTime = StatementTime(Date())) -> [Finding] {
        guard let records, let productID = ProductID(product) else { return [] }
        let allowed = Int64(parameters.linkFailureDays) * 86_400
        return records.failures(of: product).compactMap { link in
            guard let since = link.failingSince.flatMap(StatementTime.init), now.secondsSinceEpoch - since.secondsSinceEpoch > allowed,
                  let citation = link.citedBy.first(where: { $0.product == product }) else { return nil }
            let days = (now.secondsSinceEpoch - since.secondsSinceEpoch) / 86_400
            return Finding(rule: Self.evidenceLinkRule, severity: .warning,
                           message: "The link '\(link.address)' at \(citation.keyPath) has failed since \(since.description.prefix(10)) (\(days) days, more than the policy's \(parameters.linkFailureDays)): \(link.detail) Fix or replace the link and run 'registry links' again.",
                           location: FindingLocation(product: productID, file: "product.yaml",
                                                     keyPath: citation.keyPath),
                           numbers: ["days_failing": Double(days)])
        }
    }

    /// The rule id of a link that has failed for too long.
    static let evidenceLinkRule = "evidence-links"
}

/// Fetches one address the way a member of the public would, refusing addresses they cannot reach.
struct LinkChecker: Sendable {
    let options: LinkCheckOptions

    private var probe: HTTPProbe {
        HTTPProbe(timeout: options.timeout, allowLoopback: options.allowLoopback,
                  trustedCertificatesFile: options.trustedCertificatesFile)
    }

    func check(_ address: String, citedBy: [EvidenceLinkCitation], at now: String) async -> EvidenceLinkResult {
        func result(_ outcome: EvidenceLinkOutcome, _ detail: String, status: Int? = nil, final: String? = nil) -> EvidenceLinkResult {
            EvidenceLinkResult(address: address, citedBy: citedBy, outcome: outcome, httpStatus: status,
                               finalAddress: final == address ? nil : final, detail: detail, checkedAt: now)
        }
        guard var url = URL(string: address) else {
            return result(.notPublic, "It is not a web address.")
        }
        hops: for hop in 0...options.maximumRedirects {
            switch PublicAddress.classify(url, allowLoopback: options.allowLoopback) {
            case .notPublic(let reason): return result(.notPublic, reason, final: url.absoluteString)
            case .unresolved(let reason): return result(.unreachable, reason, final: url.absoluteString)
            case .public: break
            }
            switch await probe.fetch(url.absoluteString) {
            case .refused(let peer, let kind):
                // The name-level check above passed, so the name answered differently when connecting.
                return result(.notPublic, "The host '\(url.host ?? "")' resolved to \(peer), \(kind.rawValue) address, when the registry connected (a moment after it resolved to a public one); the registry does not connect to such addresses.",
                              final: url.absoluteString)
            case .timedOut:
                return result(.timeout, "No response within \(Self.seconds(options.timeout)).", final: url.absoluteString)
            case .failed(let reason):
                return result(.unreachable, "The connection failed: \(reason)", final: url.absoluteString)
            case .response(let status, let location):
                if (300..<400).contains(status), let location, let next = URL(string: location) {
                    if hop == options.maximumRedirects { break hops }
                    url = next
                    continue
                }
                if (200..<300).contains(status) { return result(.ok, "HTTP \(status).", status: status, final: url.absoluteString) }
                return result(.httpError, "The server answered HTTP \(status).", status: status, final: url.absoluteString)
            }
        }
        return result(.httpError, "More than \(options.maximumRedirects) redirects.", final: url.absoluteString)
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) seconds" : "\(value) seconds"
    }
}
