import Foundation
import Policy
import ProductModel
import RegistrySupport
import Testing
import TestSupport

/// Checks the registry's fairness numbers against Fairlearn and Aequitas on the committed dataset
/// (`Scripts/fairness-golden/generate.py` made both).
@Suite struct DisparityGoldenTests {
    private let folder = packageRoot.appendingPathComponent("Scripts/fairness-golden")
    private let tolerance = 1e-9

    private let spec = AuditSpec(file: "audit.csv", key: "rider_id", attributes: ["race", "sex"], labelColumn: "fare_evaded",
                                 output: "decisions.csv", decisionColumn: "inspect", selectedValue: "1", selectionIs: .adverse)

    private func golden() throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("golden.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func report() throws -> DisparityReport {
        var parameters = PolicyParameters.defaults
        parameters.minimumGroupSize = 30
        return try DisparityAnalysis.run(outputURL: folder.appendingPathComponent("decisions.csv"),
                                         auditURL: folder.appendingPathComponent("audit.csv"), spec: spec, parameters: parameters)
    }

    private func expectClose(_ actual: Double?, _ expected: Any?, _ what: String) {
        if let expected = expected as? Double {
            guard let actual else {
                Issue.record("\(what): registry says undefined, golden says \(expected)")
                return
            }
            #expect(abs(actual - expected) <= tolerance, "\(what): \(actual) != \(expected)")
        } else {
            #expect(actual == nil, "\(what): registry says \(String(describing: actual)), golden says undefined")
        }
    }

    @Test func perGroupAndIntersectionalMetricsMatchFairlearnAndAequitas() throws {
        let golden = try golden()
        let report = try report()
        let breakdowns = try #require(golden["breakdowns"] as? [[String: Any]])
        #expect(report.breakdowns.map(\.attributes) == breakdowns.compactMap { $0["attributes"] as? [String] })
        #expect(report.breakdowns.contains { $0.attributes == ["race", "sex"] })
        #expect(report.matchedRows == 3012)
        for (mine, theirs) in zip(report.breakdowns, breakdowns) {
            let groups = try #require(theirs["groups"] as? [String: [String: Any]])
            #expect(Set(mine.groups.map { $0.values.joined(separator: "|") }) == Set(groups.keys))
            #expect(mine.referenceGroup?.contains((theirs["reference_group"] as? String)?.split(separator: "|").first.map(String.init) ?? "?") == true)
            for group in mine.groups {
                let key = group.values.joined(separator: "|")
                let expected = try #require(groups[key])
                #expect(group.count == expected["count"] as? Int)
                #expect(group.eligible == expected["eligible"] as? Bool)
                for (name, rate) in group.namedRatesForTests {
                    expectClose(rate?.value, expected[name], "\(key) \(name)")
                    let interval = expected[name + "_wilson95"] as? [Double]
                    expectClose(rate?.wilson95?.lowerBound, interval?[0], "\(key) \(name) Wilson lower")
                    expectClose(rate?.wilson95?.upperBound, interval?[1], "\(key) \(name) Wilson upper")
                }
                let ratios = try #require(expected["ratios_to_reference"] as? [String: Any])
                for (name, value) in ratios {
                    expectClose(group.ratiosToReference[name] ?? nil, value, "\(key) \(name) ratio to reference")
                }
                // Aequitas reports ratios only; the difference is the golden rates' difference.
                let referenceKey = try #require(theirs["reference_group"] as? String)
                let reference = try #require(groups[referenceKey])
                for name in ratios.keys {
                    let difference = (expected[name] as? Double).flatMap { value in (reference[name] as? Double).map { value - $0 } }
                    expectClose(group.differencesToReference[name] ?? nil, difference, "\(key) \(name) difference to reference")
                }
            }
            let disparities = try #require(theirs["disparities"] as? [String: Any])
            #expect(mine.disparities.eligibleGroups == disparities["eligible_groups"] as? Int)
            expectClose(mine.disparities.demographicParityDifference, disparities["demographic_parity_difference"], "\(mine.attributes) DP difference")
            expectClose(mine.disparities.demographicParityRatio, disparities["demographic_parity_ratio"], "\(mine.attributes) DP ratio")
            expectClose(mine.disparities.equalizedOddsDifference, disparities["equalized_odds_difference"], "\(mine.attributes) EO difference")
            expectClose(mine.disparities.favourableRateRatio, disparities["favourable_rate_ratio"], "\(mine.attributes) four-fifths ratio")
            let least = (disparities["least_favoured_group"] as? String)?.split(separator: "|").map(String.init)
            #expect(mine.groups.first { $0.label == mine.disparities.leastFavouredGroup }?.values == least)
        }
    }

    @Test func emptyDenominatorsAreUndefinedNeverZero() throws {
        let report = try report()
        let small = try #require(report.breakdowns[0].groups.first { $0.values == ["Pacific Islander"] })
        #expect(!small.eligible)
        #expect(small.truePositiveRate?.value == nil)
        #expect(small.precision?.value == nil)
        #expect(small.falsePositiveRate?.value == 0)
        let json = try CanonicalJSON.string(small)
        #expect(json.contains("\"true_positive_rate\":{\"denominator\":0,\"numerator\":0,\"value\":null,\"wilson95_lower\":null,\"wilson95_upper\":null}"))
    }

    @Test func intersectionBelowTheFourFifthsThresholdIsAFinding() throws {
        let findings = DisparityRule().findings(for: try report(), spec: spec, parameters: .defaults,
                                                product: RuleExample.cleanManifest.id)
        let fourFifths = findings.filter { $0.numbers["favourable_rate_ratio"] != nil }
        #expect(fourFifths.map(\.location.group) == ["race × sex: Black × Male"])
        #expect(fourFifths.first?.severity == .error)
        #expect(fourFifths.first?.message.contains("reaches 'race × sex: Black × Male' at") == true)
        #expect(findings.contains { $0.severity == .note && $0.location.group == "race: Pacific Islander"
                && $0.message.hasPrefix("Group 'race: Pacific Islander' has ") })
        for finding in findings where finding.severity != .warning {
            #expect(finding.location.group?.contains(": ") == true, "every note and error names its group or intersection: \(finding.message)")
        }
    }
}

extension GroupMetrics {
    /// The golden file's names for each rate.
    var namedRatesForTests: [(String, Rate?)] {
        [("selection_rate", selectionRate), ("base_rate", baseRate), ("true_positive_rate", truePositiveRate),
         ("false_positive_rate", falsePositiveRate), ("true_negative_rate", trueNegativeRate),
         ("false_negative_rate", falseNegativeRate), ("precision", precision)]
    }
}
