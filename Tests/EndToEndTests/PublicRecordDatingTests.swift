import Foundation
import Testing
import TestSupport

/// What the public record says about time: an approval is granted in the year its quorum was
/// reached, `--as-of` judges every time-dependent verdict at its own date and never at the clock,
/// and a product removed from `Products/` stays in `catalog.json`, `catalog.csv` and the exports.
@Suite("Public record dating")
struct PublicRecordDatingTests {
    struct Status: Decodable {
        struct Product: Decodable { let id: String; let state: String }
        let products: [Product]
    }
    struct Catalog: Decodable {
        struct Product: Decodable { let id: String; let approval_state: String }
        struct Removed: Decodable {
            let id: String
            let name: String
            let state: String
            let removed_commit: String
            let removed_at: String
            let removed_by: String
            let last_approved_version: String?
            let page: String
        }
        let products: [Product]
        let removed_products: [Removed]
    }
    struct Report: Decodable {
        struct Product: Decodable { let id: String; let approvals_granted: Int; let approval_statements: Int }
        struct Totals: Decodable { let approvals_granted: Int; let approval_statements: Int }
        let totals: Totals
        let products: [Product]
    }

    /// Pending in the examples with dave's approval only (issued 2026-11-25, expiring 2027-05-31);
    /// its board review is due on 2027-03-31.
    static let outreach = "homeless-outreach-demand"

    /// The examples with frank's approval of the outreach product, completing its quorum, issued on
    /// 2027-01-10 and expiring on 2027-06-15.
    private func registryWithQuorumIn2027() throws -> FixtureRegistry {
        let registry = try FixtureRegistry.cloneOfExamples()
        let manifest = try String(contentsOf: registry.url.appendingPathComponent("Products/\(Self.outreach)/product.yaml"), encoding: .utf8)
        try #require(manifest.contains("review_due: \"2027-03-31\""), "the dates below assume this review date")
        try registry.commitFranksApprovalSignedBySSHKeygen(message: "Second approval of outreach demand",
                                                           issued: "2027-01-10T12:00:00Z", expires: "2027-06-15")
        return registry
    }

    private func state(_ registry: FixtureRegistry, asOf day: String) throws -> String? {
        let result = try registry.registry("status", Self.outreach, "--as-of", day, "--json")
        #expect(result.status == 0 || result.status == 1, "\(result.stderr)")
        return try JSONDecoder().decode(Status.self, from: Data(result.stdout.utf8)).products.first?.state
    }

    private func catalog(_ registry: FixtureRegistry, asOf day: String, into site: URL) throws -> Catalog {
        let result = try registry.registry("catalog", "build", "--out", site.path, "--as-of", day)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode(Catalog.self, from: Data(contentsOf: site.appendingPathComponent("catalog.json")))
    }

    @Test("status and catalog --as-of judge issue, expiry and review dates at that day: pending before the quorum, lapsed after the review date, expired after the statements")
    func asOfDecidesEveryState() throws {
        let registry = try registryWithQuorumIn2027()
        defer { registry.remove() }
        // On the clock (2026 or later) frank's statement is issued in the future or valid; only the
        // as-of date can make it not yet count, or expired.
        let expected = ["2027-01-09": "pending", "2027-01-20": "approved", "2027-04-15": "lapsed", "2027-06-01": "expired"]
        for (day, wanted) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(try state(registry, asOf: day) == wanted, "status --as-of \(day)")
        }
        let folder = try makeTemporaryDirectory("record-as-of")
        defer { folder.remove() }
        for (day, wanted) in expected.sorted(by: { $0.key < $1.key }) {
            let site = folder.url.appendingPathComponent(day)
            let states = try catalog(registry, asOf: day, into: site).products.map { ($0.id, $0.approval_state) }
            #expect(Dictionary(uniqueKeysWithValues: states)[Self.outreach] == wanted, "catalog build --as-of \(day)")
            let page = try String(contentsOf: site.appendingPathComponent("products/\(Self.outreach).html"), encoding: .utf8)
            #expect(page.contains("state-\(wanted)"), "the product page as of \(day)")
        }
    }

    @Test("approvals_granted counts a version once, in the year of the approval that completed its quorum; approval_statements counts every statement")
    func approvalsGrantedByQuorum() throws {
        let registry = try registryWithQuorumIn2027()
        defer { registry.remove() }
        let site = try makeTemporaryDirectory("record-quorum")
        defer { site.remove() }
        _ = try catalog(registry, asOf: "2027-06-30", into: site.url)
        func row(_ year: Int) throws -> (Report, Report.Product) {
            let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: site.url.appendingPathComponent("reports/\(year).json")))
            return (report, try #require(report.products.first { $0.id == Self.outreach }, "\(year) lists the outreach product"))
        }
        let (year2026, outreach2026) = try row(2026)
        // The example board signed every earlier approval of the product in 2026; frank's is the 2027 one.
        let reviews = registry.url.appendingPathComponent("Reviews/\(Self.outreach)").path
        let signedIn2026 = try FileManager.default.subpathsOfDirectory(atPath: reviews)
            .filter { $0.hasSuffix(".approval") && !$0.hasSuffix("frank.approval") }
        #expect(!signedIn2026.isEmpty)
        #expect(outreach2026.approval_statements == signedIn2026.count, "the statements signed in 2026: \(signedIn2026)")
        #expect(outreach2026.approvals_granted == 0, "one approval is not a quorum")
        let (year2027, outreach2027) = try row(2027)
        #expect(outreach2027.approval_statements == 1 && outreach2027.approvals_granted == 1, "frank's approval completed the quorum in 2027")
        for report in [year2026, year2027] {
            #expect(report.totals.approval_statements >= report.totals.approvals_granted)
        }
        // Every example version approved by two members counts once, not once per statement.
        #expect(year2026.totals.approvals_granted > 0 && year2026.totals.approvals_granted < year2026.totals.approval_statements)
        let csv = try String(contentsOf: site.url.appendingPathComponent("reports/2027.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("year,id,name,in_use,in_use_since,in_use_until,removed,versions_registered,approvals_granted,approval_statements,"))
        let page = try String(contentsOf: site.url.appendingPathComponent("reports/2027.html"), encoding: .utf8)
        #expect(page.contains("Versions approved (quorum reached)") && page.contains("Approval statements signed"))
    }

    @Test("a removed product is in catalog.json (valid against the schema), catalog.csv and the exports as a withdrawn entry")
    func removedProductEverywhere() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let removed = "rider-safety-perception"
        try registry.git("rm", "-q", "-r", "Products/\(removed)")
        var environment = fixtureGitEnvironment
        environment["GIT_AUTHOR_NAME"] = "Dana Remover"
        environment["GIT_AUTHOR_DATE"] = "2026-11-30T10:00:00Z"
        environment["GIT_COMMITTER_DATE"] = "2026-11-30T10:00:00Z"
        let commit = try runProcess("/usr/bin/git", ["commit", "-q", "-m", "Remove the rider survey product"], in: registry.url,
                                    environment: environment)
        #expect(commit.status == 0, "\(commit.stderr)")
        let removal = try registry.git("rev-parse", "HEAD")
        let site = try makeTemporaryDirectory("record-removed")
        defer { site.remove() }
        let catalog = try catalog(registry, asOf: "2026-12-15", into: site.url)

        #expect(!catalog.products.contains { $0.id == removed })
        let entry = try #require(catalog.removed_products.first { $0.id == removed })
        #expect(entry.state == "removed" && entry.removed_commit == removal && entry.removed_by == "Dana Remover")
        #expect(entry.removed_at.hasPrefix("2026-11-30") && entry.page == "products/\(removed).html")
        let approved = try #require(entry.last_approved_version, "the survey product had approved versions")
        let page = try String(contentsOf: site.url.appendingPathComponent(entry.page), encoding: .utf8)
        #expect(page.contains(approved) && page.contains(entry.name))
        try expectValidAgainstSchema(site.url)

        let csv = try String(contentsOf: site.url.appendingPathComponent("catalog.csv"), encoding: .utf8)
        #expect(csv.components(separatedBy: "\n")[0].hasSuffix(",page,removed_at,removed_commit,removed_by,last_approved_version"))
        let row = try #require(csv.components(separatedBy: "\n").first { $0.hasPrefix("1,\(removed),") })
        #expect(row.contains(",removed,removed,") && row.hasSuffix(",\(removal),Dana Remover,\(approved)"), "\(row)")

        let dutch = try JSONSerialization.jsonObject(with: Data(contentsOf: site.url.appendingPathComponent("exports/algoritmeregister-1.0.json"))) as? [[String: Any]]
        let withdrawn = try #require(dutch?.first { $0["source_id"] as? String == removed })
        #expect(withdrawn["status"] as? String == "Buiten gebruik" && withdrawn["end_date"] as? String == "2026-11")
        #expect((withdrawn["description_short"] as? String)?.contains("products/\(removed).html") == true)
        let british = try JSONSerialization.jsonObject(with: Data(contentsOf: site.url.appendingPathComponent("exports/uk-atrs.json"))) as? [[String: Any]]
        #expect(british?.contains { $0["tier1.name"] as? String == entry.name && $0["phase"] as? String == "Retired" } == true)
        let york = try String(contentsOf: site.url.appendingPathComponent("exports/nyc-local-law-35.csv"), encoding: .utf8)
        #expect(york.components(separatedBy: "\n").contains { $0.contains(entry.name) && $0.hasSuffix(",No,\(removed)") })
    }

    /// Validates the site's `catalog.json` against the schema it publishes, with python's jsonschema.
    private func expectValidAgainstSchema(_ site: URL) throws {
        let script = """
        import json, sys
        import jsonschema
        schema = json.load(open(sys.argv[1])); document = json.load(open(sys.argv[2]))
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=str)
        for error in errors: print(list(error.absolute_path), error.message)
        sys.exit(1 if errors else 0)
        """
        let result = try runProcess("/usr/bin/env", ["python3", "-c", script, site.appendingPathComponent("schemas/catalog.schema.json").path,
                                                     site.appendingPathComponent("catalog.json").path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
