import Foundation
import Policy
import ProductModel
import RegistrySupport
import Testing
import TestSupport

@Suite struct DisparityAnalysisTests {
    private let spec = AuditSpec(file: "audit/riders.csv", key: "id", attributes: ["race"], output: "flags.csv",
                                 decisionColumn: "flag", selectedValue: "yes", selectionIs: .favourable)

    private func analyse(output: String, audit: String, spec: AuditSpec? = nil) throws(DisparityError) -> DisparityReport {
        let directory: TemporaryDirectory
        do {
            directory = try makeTemporaryDirectory("disparity")
            try writeFile(output, to: "flags.csv", in: directory.url)
            try writeFile(audit, to: "riders.csv", in: directory.url)
        } catch {
            preconditionFailure("cannot write fixtures: \(error)")
        }
        defer { directory.remove() }
        return try DisparityAnalysis.run(outputURL: directory.url.appendingPathComponent("flags.csv"),
                                         auditURL: directory.url.appendingPathComponent("riders.csv"),
                                         spec: spec ?? self.spec, parameters: .defaults)
    }

    private func failure(output: String, audit: String, spec: AuditSpec? = nil) -> String? {
        do {
            _ = try analyse(output: output, audit: audit, spec: spec)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func countsUnmatchedRowsOnBothSides() throws {
        let report = try analyse(output: "id,flag\n1,yes\n2,no\n9,yes\n", audit: "id,race\n1,Black\n2,White\n3,White\n")
        #expect(report.matchedRows == 2)
        #expect(report.unmatchedOutputRows == 1)
        #expect(report.unmatchedAuditRows == 1)
        #expect(report.hasLabels == false)
        let groups = try #require(report.breakdowns.first?.groups)
        #expect(groups.map(\.label) == ["race=Black", "race=White"])
        #expect(groups.map(\.selected) == [1, 0])
        #expect(groups.allSatisfy { !$0.eligible && $0.truePositiveRate == nil })
        #expect(report.breakdowns.first?.disparities.favourableRateRatio == nil)
    }

    @Test func favourablePolarityUsesTheSelectionRateItself() throws {
        var output = "id,flag\n"
        var audit = "id,race\n"
        for index in 0..<100 {
            let race = index < 50 ? "Black" : "White"
            let selected = index < 20 || (index >= 50 && index < 90)
            output += "\(index),\(selected ? "yes" : "no")\n"
            audit += "\(index),\(race)\n"
        }
        let favourable = try analyse(output: output, audit: audit).breakdowns[0].disparities
        #expect(favourable.favourableRateRatio == 0.5)
        #expect(favourable.leastFavouredGroup == "race=Black")
        var adverse = spec
        adverse.selectionIs = .adverse
        let flipped = try analyse(output: output, audit: audit, spec: adverse).breakdowns[0].disparities
        #expect(abs((flipped.favourableRateRatio ?? 0) - 0.2 / 0.6) < 1e-12)
        #expect(flipped.leastFavouredGroup == "race=White")
        #expect(abs((flipped.demographicParityDifference ?? 0) - 0.4) < 1e-12)
    }

    @Test func explainsMissingColumnsDuplicateKeysAndBadLabels() {
        #expect(failure(output: "key,flag\n1,yes\n", audit: "id,race\n1,Black\n")
            == "The decision output 'flags.csv' has no join key column 'id'; write the key in the output or fix 'audit.key'.")
        #expect(failure(output: "id,flag\n1,yes\n", audit: "id,race\n1,Black\n1,White\n")
            == "The audit file 'audit/riders.csv' line 3 repeats the key '1'; each key must appear once.")
        #expect(failure(output: "id,flag\n1,yes\n", audit: "id,ethnicity\n1,Black\n")?.contains("no column 'race'") == true)
        var labelled = spec
        labelled.labelColumn = "outcome"
        #expect(failure(output: "id,flag\n1,yes\n", audit: "id,race,outcome\n1,Black,maybe\n", spec: labelled)?
            .contains("line 2 has label 'maybe'") == true)
        #expect(failure(output: "id,flag\n1,yes,extra\n", audit: "id,race\n1,Black\n")?.hasPrefix("'flags.csv' line 2:") == true)
    }
}
