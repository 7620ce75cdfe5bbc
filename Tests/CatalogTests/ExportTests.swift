import Catalog
import Foundation
import ProductModel
import Testing
import TestSupport

@Suite("Exports to other registers")
struct ExportTests {
    /// A product whose every text is far longer than any register allows.
    func longInput() -> CatalogInput {
        var input = CatalogFixtures.input()
        let long = String(repeating: "Lange tekst met uitleg. ", count: 600)
        for index in input.products.indices {
            input.products[index].manifest.name = "Name " + long
            input.products[index].manifest.summary = long
            input.products[index].manifest.purpose = long
            input.products[index].manifest.humanOversight = long
        }
        return input
    }

    func records(_ file: String, in site: URL) throws -> [[String: Any]] {
        let data = try Data(contentsOf: site.appendingPathComponent(file))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    }

    @Test("the Algoritmeregister export meets the standard's own field configuration: required fields, limits, permitted values")
    func algoritmeregister() throws {
        let site = try makeTemporaryDirectory("catalog-nl")
        defer { site.remove() }
        try CatalogBuilder.build(longInput(), allegations: nil, to: site.url)
        let configURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/nl-algoritmeregister-publicatiestandaard-1.0.config.json")
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        let properties = try #require(config["properties"] as? [String: [String: Any]])
        let exported = try records("exports/algoritmeregister-1.0.json", in: site.url)
        #expect(exported.count == 3)
        for record in exported {
            for key in record.keys { #expect(properties[key] != nil, "'\(key)' is not a field of the standard") }
            for (name, field) in properties {
                if field["required"] as? Bool == true { #expect(record[name] != nil, "required '\(name)' is missing") }
                guard let value = record[name] else { continue }
                let texts: [String] = (value as? String).map { [$0] } ?? (value as? [String])
                    ?? ((value as? [[String: String]])?.flatMap { Array($0.values) } ?? [])
                if let limit = field["max_length"] as? Int {
                    for text in texts { #expect(text.count <= limit, "'\(name)' has \(text.count) > \(limit) characters") }
                }
                if let permitted = field["permitted_values"] as? [String] {
                    for text in texts { #expect(permitted.contains(text), "'\(name)' = '\(text)' is not permitted") }
                }
            }
            #expect((record["description_short"] as? String)?.hasSuffix("…") == true, "over-long text is shortened visibly")
        }
        let withheldVendor = exported.first { $0["source_id"] as? String == "station-incident-hotspots" }
        #expect(withheldVendor?["provider"] == nil)
    }

    @Test("UK ATRS and NYC Local Law 35 records have every required field within limits")
    func ukAndNYC() throws {
        let site = try makeTemporaryDirectory("catalog-uk")
        defer { site.remove() }
        try CatalogBuilder.build(longInput(), allegations: nil, to: site.url)
        for record in try records("exports/uk-atrs.json", in: site.url) {
            let values = record.mapValues { value -> ExportValue in .text(value as? String ?? "") }
            #expect(ExportStandard.ukATRS.violations(of: values) == [])
            #expect(record["tier1.name"] != nil && record["tier1.description"] != nil && record["tier1.contact_email"] != nil)
            #expect(record["tier2.owner_and_responsibility.organisation"] as? String == "Metro Transit Agency")
        }
        let csv = text(try Data(contentsOf: site.url.appendingPathComponent("exports/nyc-local-law-35.csv")))
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "agency,tool_name,purpose,how_used,data_analyzed,demographic_data_used,developed_by_vendor,vendor_name,year_first_used,currently_in_use,catalog_id")
        #expect(lines.count == 4)
        #expect(csv.contains(",Withheld,,"), "a withheld vendor is reported as withheld, not as 'No'")
    }

    @Test("the validator itself catches missing required fields, long values and values not permitted")
    func validatorCatches() {
        let problems = ExportStandard.algoritmeregister.violations(of: [
            "name": .text(String(repeating: "x", count: 101)),
            "status": .text("Misschien"),
            "unknown": .text("x"),
        ])
        #expect(problems.contains { $0.contains("'name' has 101 characters") })
        #expect(problems.contains { $0.contains("'status' has 'Misschien'") })
        #expect(problems.contains { $0.contains("'organization' is required") })
        #expect(problems.contains { $0.contains("'unknown' is not a field") })
    }
}
