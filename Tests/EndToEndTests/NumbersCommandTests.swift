import Foundation
import Testing
import TestSupport

/// The numbers the public and the board read, through the built binary: disparity differences and
/// error rates on product pages, whole group labels in `registry fairness`, protected attributes
/// hidden under another column name, and salted commitments to withheld fields.
@Suite("Published numbers through the command line")
struct NumbersCommandTests {
    // MARK: Catalog disparity tables

    /// The rows of the disparity tables on a product page, as cell texts.
    private func disparityRows(_ page: String) -> [[String]] {
        page.components(separatedBy: "<table class=\"numbers\">").dropFirst().flatMap { table in
            let body = table.components(separatedBy: "</table>")[0]
            return body.components(separatedBy: "<tr>").dropFirst(2).map { row in
                row.components(separatedBy: "<td>").dropFirst().map { $0.components(separatedBy: "</td>")[0] }
            }
        }
    }

    @Test("a checked product's page shows a numeric difference to the reference group and TPR/FPR per group")
    func catalogShowsDifferenceAndErrorRates() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let check = try registry.registry("check", "calls-for-service-triage")
        #expect(check.status == 0 || check.status == 1, "\(check.stdout) \(check.stderr)")
        let site = try makeTemporaryDirectory("numbers-site")
        defer { site.remove() }
        let build = try registry.registry("catalog", "build", "--out", site.url.path, "--as-of", "2026-11-25")
        #expect(build.status == 0, "\(build.stderr)")
        let page = try String(contentsOf: site.url.appendingPathComponent("products/calls-for-service-triage.html"), encoding: .utf8)
        #expect(page.contains("<th scope=\"col\">Difference to reference</th><th scope=\"col\">True-positive rate</th><th scope=\"col\">False-positive rate</th>"))
        let rows = disparityRows(page)
        #expect(rows.count >= 4, "one row per group of each breakdown")
        // Cells after the group: count, rate, interval, ratio, difference, TPR, FPR.
        let differences = rows.compactMap { $0.count == 7 ? $0[4] : nil }
        #expect(differences.count == rows.count)
        #expect(differences.contains { Double($0) != nil && Double($0) != 0 }, "a non-zero numeric difference: \(differences)")
        #expect(differences.allSatisfy { Double($0) != nil || $0 == "undefined" })
        #expect(rows.contains { Double($0[5]) != nil && Double($0[6]) != nil }, "numeric TPR and FPR")
        let catalog = try String(contentsOf: site.url.appendingPathComponent("catalog.json"), encoding: .utf8)
        #expect(catalog.contains("\"difference\":"))
        #expect(catalog.contains("\"true_positive_rate\":"))
    }

    // MARK: registry fairness

    @Test("fairness text shows long group labels whole, so intersections stay distinguishable")
    func fairnessShowsLongLabelsWhole() throws {
        let folder = try makeTemporaryDirectory("numbers-fairness")
        defer { folder.remove() }
        let races = ["Hispanic or Latino", "Native Hawaiian or Other Pacific Islander"]
        let genders = ["Female", "Male", "Nonbinary or another gender"]
        var audit = "id,race_ethnicity,gender\n", decisions = "id,selected\n"
        var key = 0
        for race in races {
            for (index, gender) in genders.enumerated() {
                for row in 0..<20 {
                    audit += "\(key),\(race),\(gender)\n"
                    decisions += "\(key),\(row < 4 + index * 3 ? 1 : 0)\n"
                    key += 1
                }
            }
        }
        try writeFile(audit, to: "audit.csv", in: folder.url)
        try writeFile(decisions, to: "decisions.csv", in: folder.url)
        let result = try runRegistry(["fairness", "--output", "decisions.csv", "--audit", "audit.csv", "--key", "id",
                                      "--attributes", "race_ethnicity,gender", "--decision-column", "selected"], in: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        for race in races {
            for gender in genders {
                #expect(result.stdout.contains("  \(race) × \(gender)  "), "row '\(race) × \(gender)' shown whole:\n\(result.stdout)")
            }
        }
        #expect(result.stdout.contains("Native Hawaiian or Other Pacific Islander × Nonbinary or another gender     20"),
                "numbers stay aligned after the longest label:\n\(result.stdout)")
        #expect(result.stdout.contains("DIFFERENCE"))
    }

    // MARK: Protected attributes hidden under another name

    /// The hotspots product with a `grp` column added to its sample and its input.
    private func hotspotsWithColumn(_ name: String, values: [String]) throws -> FixtureRegistry {
        let registry = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        let folder = registry.url.appendingPathComponent("Products/station-incident-hotspots")
        let sample = folder.appendingPathComponent("data/incidents.csv")
        let lines = try String(contentsOf: sample, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let widened = lines.enumerated().map { index, line in
            guard !line.isEmpty else { return String(line) }
            return line + "," + (index == 0 ? name : values[index % values.count])
        }
        try Data(widened.joined(separator: "\n").utf8).write(to: sample)
        let manifest = folder.appendingPathComponent("product.yaml")
        var yaml = try String(contentsOf: manifest, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "      - incident_type\noutputs:", with: "      - incident_type\n      - \(name)\noutputs:")
        yaml = yaml.replacingOccurrences(of: "    fields:\n      - station\n", with: "    fields:\n      - station\n      - \(name)\n")
        try Data(yaml.utf8).write(to: manifest)
        _ = try registry.git("commit", "-q", "-am", "Add column \(name)")
        return registry
    }

    struct Finding: Decodable {
        struct Location: Decodable { let column: String? }
        let rule: String
        let severity: String
        let message: String
        let location: Location
    }

    struct CheckReport: Decodable {
        struct Product: Decodable { let passed: Bool; let findings: [Finding] }
        let products: [Product]
    }

    private func check(_ registry: FixtureRegistry) throws -> (status: Int32, findings: [Finding]) {
        let result = try registry.registry("check", "station-incident-hotspots", "--json")
        let report = try JSONDecoder().decode(CheckReport.self, from: Data(result.stdout.utf8))
        return (result.status, report.products.flatMap(\.findings))
    }

    @Test("an input column renamed to hide race values fails check, naming the input, column and attribute")
    func renamedProtectedColumnFailsCheck() throws {
        let registry = try hotspotsWithColumn("grp", values: ["Black", "White", "Hispanic", "Asian"])
        defer { registry.remove() }
        let (status, findings) = try check(registry)
        #expect(status == 1)
        let finding = try #require(findings.first { $0.rule == "declared-inputs" && $0.location.column == "grp" })
        #expect(finding.severity == "error")
        #expect(finding.message.contains("Input 'incidents.csv' passes column 'grp'"))
        #expect(finding.message.contains("protected attribute 'race'"))
        #expect(finding.message.contains("'Asian', 'Black', 'Hispanic'"))
    }

    @Test("race labels packed beside a unique id, past the distinct values remembered, still fail check")
    func packedProtectedColumnFailsCheck() throws {
        let races = ["Black", "White", "Hispanic", "Asian"]
        let registry = try hotspotsWithColumn("grp", values: (0..<1_500).map { "\(races[$0 % races.count])|\($0)" })
        defer { registry.remove() }
        let (status, findings) = try check(registry)
        #expect(status == 1)
        let finding = try #require(findings.first { $0.rule == "declared-inputs" && $0.location.column == "grp" }, "\(findings.map(\.message))")
        #expect(finding.message.contains("protected attribute 'race'"))
    }

    @Test("a harmless extra input column passes check as the product did before")
    func harmlessColumnPassesCheck() throws {
        let plain = try FixtureRegistry.withExampleProducts(["station-incident-hotspots"])
        defer { plain.remove() }
        let baseline = try check(plain)
        let registry = try hotspotsWithColumn("grp", values: ["north", "south", "east", "west"])
        defer { registry.remove() }
        let (status, findings) = try check(registry)
        #expect(status == baseline.status, "\(findings.map(\.message))")
        #expect(!findings.contains { $0.rule == "declared-inputs" }, "\(findings.map(\.message))")
    }

    // MARK: Withheld-field commitments

    @Test("a disclosed withheld value recomputes with sha256sum and verifies; a wrong value or salt does not")
    func commitmentDiscloseAndVerify() throws {
        let registry = try FixtureRegistry.cloneOfExamples()
        defer { registry.remove() }
        let site = try makeTemporaryDirectory("numbers-commitment-site")
        defer { site.remove() }
        #expect(try registry.registry("catalog", "build", "--out", site.url.path, "--as-of", "2026-11-25").status == 0)
        struct Catalog: Decodable {
            struct Product: Decodable { struct Withheld: Decodable { let field: String; let commitment: String }; let withheld: [Withheld] }
            let products: [Product]
        }
        let catalog = try JSONDecoder().decode(Catalog.self, from: Data(contentsOf: site.url.appendingPathComponent("catalog.json")))
        let published = try #require(catalog.products.lazy.flatMap(\.withheld).first { $0.field == "vendor" }?.commitment)
        let catalogText = try String(contentsOf: site.url.appendingPathComponent("catalog.json"), encoding: .utf8)

        let value = registry.url.appendingPathComponent("vendor.json").path
        let disclose = try registry.registry("commitment", "disclose", "--product", "platform-crowding-alerts", "--field", "vendor",
                                             "--out", value, "--json")
        #expect(disclose.status == 0, "\(disclose.stderr)")
        struct Disclosure: Decodable { let salt: String; let commitment: String }
        let disclosure = try JSONDecoder().decode(Disclosure.self, from: Data(disclose.stdout.utf8))
        #expect(disclosure.commitment == published)
        #expect(catalogText.contains(published))
        for (path, data) in try siteFiles(site.url) {
            #expect(!String(decoding: data, as: UTF8.self).contains(disclosure.salt), "\(path) publishes the salt")
        }

        // Anyone can recompute it with stock tools, exactly as the README says.
        let stock = try runProcess("/bin/sh", ["-c", "printf '%s' \"$1\" | cat - \"$2\" | sha256sum", "sh", disclosure.salt, value])
        #expect(stock.stdout.split(separator: " ").first.map(String.init) == published)

        let verify = { (file: String, salt: String) in
            try registry.registry("commitment", "verify", "--product", "platform-crowding-alerts", "--field", "vendor",
                                  "--value-file", file, "--salt", salt, "--catalog", site.url.path)
        }
        let good = try verify(value, disclosure.salt)
        #expect(good.status == 0, "\(good.stdout) \(good.stderr)")
        #expect(good.stdout.contains("matches the commitment published in"))

        let forged = registry.url.appendingPathComponent("forged.json").path
        let original = try String(contentsOf: URL(fileURLWithPath: value), encoding: .utf8)
        try Data(original.replacingOccurrences(of: "\"name\":\"", with: "\"name\":\"Other ").utf8).write(to: URL(fileURLWithPath: forged))
        #expect(original != (try String(contentsOf: URL(fileURLWithPath: forged), encoding: .utf8)))
        let wrongValue = try verify(forged, disclosure.salt)
        #expect(wrongValue.status == 1, "\(wrongValue.stdout) \(wrongValue.stderr)")
        #expect(wrongValue.stdout.contains("does NOT match"))
        let wrongSalt = try verify(value, String(repeating: "0", count: 64))
        #expect(wrongSalt.status == 1)

        // Against the registry at HEAD too; a malformed salt is a usage error with one sentence.
        #expect(try registry.registry("commitment", "verify", "--product", "platform-crowding-alerts", "--field", "vendor",
                                      "--value-file", value, "--salt", disclosure.salt).status == 0)
        let badSalt = try verify(value, "xyz")
        #expect(badSalt.status == 2)
        #expect(badSalt.stderr.contains("--salt 'xyz' is not 64 lowercase hex characters"))
    }

    @Test("validate refuses a withheld field without a salt and says how to add one")
    func validateRequiresSalt() throws {
        let registry = try FixtureRegistry.withExampleProducts(["platform-crowding-alerts"])
        defer { registry.remove() }
        let manifest = registry.url.appendingPathComponent("Products/platform-crowding-alerts/product.yaml")
        let yaml = try String(contentsOf: manifest, encoding: .utf8)
        let unsalted = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("      salt: ") }.joined(separator: "\n")
        #expect(unsalted != yaml)
        try Data(unsalted.utf8).write(to: manifest)
        let result = try registry.registry("validate", "platform-crowding-alerts")
        #expect(result.status == 1)
        #expect((result.stdout + result.stderr).contains("public.withheld[0].salt"))
        #expect((result.stdout + result.stderr).contains("openssl rand -hex 32"))
    }
}
