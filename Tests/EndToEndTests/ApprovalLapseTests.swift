import Foundation
import Testing
import TestSupport

/// An approval lapses once the product's board review date (`review_due`) has passed.
@Suite("Approval lapse")
struct ApprovalLapseTests {
    struct Status: Decodable {
        struct Product: Decodable { let id: String; let state: String; let explanation: String }
        let passed: Bool
        let as_of: String
        let products: [Product]
    }
    struct Catalog: Decodable {
        struct Product: Decodable { let id: String; let approval_state: String }
        let products: [Product]
    }

    /// fare-inspection-allocation is approved, in use, and due for review on 2027-04-30; its
    /// approvals expire on 2027-05-31, after which it is expired rather than lapsed.
    static let product = "fare-inspection-allocation"

    @Test("status: approved on the due date, lapsed (exit 1) the day after; the default date is today")
    func statusLapses() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let onTime = try registry.registry("status", Self.product, "--as-of", "2027-04-30", "--json")
        #expect(onTime.status == 0, "\(onTime.stderr)")
        let approved = try JSONDecoder().decode(Status.self, from: Data(onTime.stdout.utf8))
        #expect(approved.products.first?.state == "approved")
        #expect(approved.passed)

        let late = try registry.registry("status", Self.product, "--as-of", "2027-05-01", "--json")
        #expect(late.status == 1)
        let lapsed = try JSONDecoder().decode(Status.self, from: Data(late.stdout.utf8))
        #expect(lapsed.products.first?.state == "lapsed")
        #expect(lapsed.products.first?.explanation.contains("2027-04-30") == true)
        #expect(!lapsed.passed)
        #expect(lapsed.as_of == "2027-05-01")

        let text = try registry.registry("status", Self.product, "--as-of", "2027-05-01")
        #expect(text.status == 1)
        #expect(text.stdout.contains("lapsed") && text.stdout.contains("review was due on 2027-04-30"), "\(text.stdout)")

        let today = try JSONDecoder().decode(Status.self, from: Data(try registry.registry("status", Self.product, "--json").stdout.utf8))
        #expect(today.as_of == Self.utcToday())

        let bad = try registry.registry("status", "--as-of", "31/05/2027")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--as-of '31/05/2027'"))
    }

    @Test("catalog: the lapsed state in catalog.json, its filter page and the dated indicators")
    func catalogShowsLapse() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let late = registry.url.appendingPathComponent(".registry/late")
        #expect(try registry.registry("catalog", "build", "--out", late.path, "--as-of", "2027-05-01").status == 0)
        let catalog = try JSONDecoder().decode(Catalog.self, from: Data(contentsOf: late.appendingPathComponent("catalog.json")))
        let states = Dictionary(uniqueKeysWithValues: catalog.products.map { ($0.id, $0.approval_state) })
        #expect(states[Self.product] == "lapsed")
        #expect(states["platform-crowding-alerts"] == "changed", "only an approval lapses")
        let filter = try String(contentsOf: late.appendingPathComponent("products-state-lapsed.html"), encoding: .utf8)
        #expect(filter.contains(Self.product))
        let schema = try String(contentsOf: late.appendingPathComponent("schemas/catalog.schema.json"), encoding: .utf8)
        #expect(schema.contains("\"lapsed\""))
        let index = try String(contentsOf: late.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(index.contains("as of 2027-05-01"))

        // Without --as-of the build date is used and printed, so the indicator is always computed.
        let plain = registry.url.appendingPathComponent(".registry/plain")
        #expect(try registry.registry("catalog", "build", "--out", plain.path).status == 0)
        let page = try String(contentsOf: plain.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(page.contains("as of \(Self.utcToday())"))
        #expect(!page.contains("not computed"))
        let dated = registry.url.appendingPathComponent(".registry/dated")
        #expect(try registry.registry("catalog", "build", "--out", dated.path, "--as-of", Self.utcToday()).status == 0)
        #expect(try siteFiles(plain) == siteFiles(dated), "the default date gives the same bytes as passing it")
    }

    static func utcToday() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }
}
