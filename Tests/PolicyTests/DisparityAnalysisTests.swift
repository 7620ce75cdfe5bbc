import Foundation
@testable import Policy
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

    @Test func keysJoinByAllTheirBytesWhetherPackedInlineOrInTheArena() throws {
        // Up to 8 bytes a key is packed into a word, past that it is kept in an arena: keys that
        // differ only in their ninth byte, only by a trailing NUL, or not at all must not meet.
        let audit = "id,race\n12345678,A\n123456789,B\n1234567890123,B\n123456780,A\na,A\na\u{0},B\n,A\n"
        let output = "id,flag\n123456789,yes\n123456780,yes\n1234567890123,no\na\u{0},no\n,yes\n123456789x,yes\n12345678,no\n"
        let report = try analyse(output: output, audit: audit)
        #expect(report.matchedRows == 6)
        #expect(report.unmatchedOutputRows == 1)
        #expect(report.unmatchedAuditRows == 1)
        let groups = try #require(report.breakdowns.first?.groups)
        #expect(groups.map(\.label) == ["race=A", "race=B"])
        #expect(groups.map(\.count) == [3, 3])
        #expect(groups.map(\.selected) == [2, 1])
        #expect(failure(output: output, audit: "id,race\n123456789012,A\n\"123456789012\",B\n")
            == "The audit file 'audit/riders.csv' line 3 repeats the key '123456789012'; each key must appear once.")
        // Keys are inserted in batches: a repeat is still reported before a later row's error.
        var labelled = spec
        labelled.labelColumn = "outcome"
        #expect(failure(output: output, audit: "id,race,outcome\nk1,A,1\nk2,A,0\nk1,B,1\nk3,A,maybe\n", spec: labelled)
            == "The audit file 'audit/riders.csv' line 4 repeats the key 'k1'; each key must appear once.")
        #expect(failure(output: output, audit: "id,race\nk1,A\nk1,B\nk3,\"A\n", spec: spec)?.contains("line 3 repeats the key 'k1'") == true)
    }

    @Test func theAuditKeyTableGrowsAndStillFindsEveryKeyOnce() {
        var table = AuditKeyTable(expectedKeys: 0)
        let initialSlots = table.slots.count
        let keys = (0..<5_000).map { Array(("k\($0)" + String(repeating: "y", count: $0 % 12)).utf8) }
        let packed = keys.map { key in key.withUnsafeBytes { table.pack($0) } }
        #expect(table.insert(packed, infos: keys.indices.map { UInt32($0) }) == nil)
        #expect(table.count == keys.count)
        #expect(table.slots.count > initialSlots)
        var arena: [UInt8] = []
        let found = keys.map { key in
            let packed = key.withUnsafeBytes { PackedKey($0, arena: &arena) }
            return arena.withUnsafeBytes { table.find(packed, keyArena: $0) }.map { table.slots[$0].info }
        }
        #expect(found == keys.indices.map { UInt32($0) })
        let again = [keys[4_331], keys[17]].map { key in key.withUnsafeBytes { table.pack($0) } }
        #expect(table.insert(again, infos: [0, 0]) == 0)
        #expect(table.text(again[0]) == "k4331yyyyyyyyyyy")
        #expect(table.text(packed[17]) == "k17yyyyy")
        #expect(table.count == keys.count)
    }

    @Test func jsonLinesDecisionsGiveTheSameNumbersAsCSV() throws {
        var csv = "id,flag\n"
        var jsonl = ""
        var audit = "id,race\n"
        for index in 0..<80 {
            let selected = index % 3 == 0 ? "yes" : "no"
            csv += "\(index),\(selected)\n"
            jsonl += "{\"flag\": \"\(selected)\", \"id\": \"\(index)\"}\n"
            audit += "\(index),\(index % 2 == 0 ? "Black" : "White")\n"
        }
        let fromCSV = try analyse(output: csv, audit: audit)
        let directory = try makeTemporaryDirectory("disparity-jsonl")
        defer { directory.remove() }
        try writeFile(jsonl, to: "flags.jsonl", in: directory.url)
        try writeFile(audit, to: "riders.csv", in: directory.url)
        let output = ProductOutput(name: "flags.jsonl", format: .jsonLines, level: .record,
                                   columns: [OutputColumn(name: "id", type: .string), OutputColumn(name: "flag", type: .string)],
                                   directsDeployment: true)
        let fromJSONLines = try DisparityAnalysis.run(outputURL: directory.url.appendingPathComponent("flags.jsonl"),
                                                      auditURL: directory.url.appendingPathComponent("riders.csv"),
                                                      spec: spec, parameters: .defaults, output: output)
        #expect(fromJSONLines.breakdowns == fromCSV.breakdowns)
        #expect(fromJSONLines.matchedRows == 80)
    }

    @Test func differencesToTheReferenceGroupAndTheirEarlierAbsence() throws {
        let report = try analyse(output: "id,flag\n1,yes\n2,no\n3,yes\n4,yes\n5,no\n", audit: "id,race\n1,Black\n2,Black\n3,White\n4,White\n5,White\n")
        let groups = report.breakdowns[0].groups
        #expect(report.breakdowns[0].referenceGroup == "race=White")
        let differences: [Double?] = groups.map { group in group.differencesToReference["selection_rate"] ?? nil }
        let expected: [Double?] = [0.5 - 2.0 / 3.0, 0]
        #expect(differences == expected)
        let errorRateKeys = groups.flatMap { group in group.differencesToReference.keys.filter { $0 != "selection_rate" } }
        #expect(errorRateKeys.isEmpty, "no labels, no error-rate differences")
        // A check stored before differences were recorded still reads, with none.
        var object = try #require(try JSONSerialization.jsonObject(with: try CanonicalJSON.encode(groups[0])) as? [String: Any])
        #expect(object.removeValue(forKey: "differences_to_reference") != nil)
        let earlier = try JSONDecoder().decode(GroupMetrics.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(earlier.differencesToReference.isEmpty)
        #expect(earlier.selectionRate == groups[0].selectionRate)
    }

    @Test func errorRateVerdictsNeedEnoughPositivesAndNegatives() throws {
        // Two groups of 100: error rates that differ widely, but over only 5 positives per group.
        var output = "id,flag\n"
        var audit = "id,race,label\n"
        for index in 0..<200 {
            let black = index < 100
            let positive = index % 100 < 5
            let selected = positive ? (black ? index % 100 < 1 : index % 100 < 5) : index % 100 < 30
            output += "\(index),\(selected ? "yes" : "no")\n"
            audit += "\(index),\(black ? "Black" : "White"),\(positive ? 1 : 0)\n"
        }
        var labelled = spec
        labelled.labelColumn = "label"
        let breakdown = try analyse(output: output, audit: audit, spec: labelled).breakdowns[0]
        #expect((breakdown.disparities.equalizedOddsDifference ?? 0) > 0.5)
        #expect(DisparityRule.widestErrorRateSpread(breakdown, minimumDenominator: 30) != nil)
        #expect(DisparityRule.widestErrorRateSpread(breakdown, minimumDenominator: 30)?.difference ?? 1 < 0.1,
                "only the false-positive rates rest on 95 negatives per group, and those agree")
        let findings = DisparityRule().findings(for: try analyse(output: output, audit: audit, spec: labelled),
                                                spec: labelled, parameters: .defaults, product: ProductID("fare-check")!)
        #expect(findings.contains { $0.severity == .note && $0.message.contains("positives or negatives") })
        #expect(!findings.contains { $0.severity == .error && $0.message.contains("equalized-odds") })
        let note = try #require(findings.first { $0.message.contains("positives or negatives") })
        #expect(note.message.contains("'race: White' 1.000, 'race: Black' 0.200"), "the note names the groups behind the difference")
    }
}
