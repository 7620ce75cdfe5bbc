import Foundation
@testable import Policy
import ProductModel
import RegistrySupport
import Testing
import TestSupport

/// The byte-level scanner at chunk sizes small enough that records, quotes, doubled quotes and
/// CRLF pairs fall across chunk edges, against a plain whole-file parser written here.
@Suite struct CSVScannerTests {
    /// Chunk sizes from tiny (every record crosses an edge) to the default.
    private static let chunkSizes = [16, 17, 23, 64, 1 << 20]

    private func scan(_ bytes: [UInt8], chunkSize: Int, limits: CSVLimits = CSVLimits()) throws -> (header: [String], rows: [[String]], lines: [Int]) {
        let directory = try makeTemporaryDirectory("csv-scanner")
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("data.csv")
        try Data(bytes).write(to: url)
        let scanner = try CSVScanner(url: url, displayName: "audit/data.csv", limits: limits, chunkSize: chunkSize)
        var rows: [[String]] = []
        var lines: [Int] = []
        while try scanner.next() {
            rows.append((0..<scanner.fieldCount).map { scanner[$0] })
            lines.append(scanner.line)
        }
        return (scanner.header, rows, lines)
    }

    private func failure(_ text: String, chunkSize: Int) -> CSVError? {
        do {
            _ = try scan(Array(text.utf8), chunkSize: chunkSize)
            return nil
        } catch {
            return error as? CSVError
        }
    }

    @Test func quotedFieldsCRLFByteOrderMarkAndEmptyLastLineAtEveryChunkSize() throws {
        let text = "id,note,n\r\n\"1\",\"a, b\",x\r\n2,\"say \"\"hi\"\"\",\r\n3,\"two\r\nlines\nthree\",\"\"\r\n\"\"\"\",,\"\"\"\"\"\"\"\"\r\n"
        for chunkSize in Self.chunkSizes {
            let table = try scan([0xEF, 0xBB, 0xBF] + Array(text.utf8), chunkSize: chunkSize)
            #expect(table.header == ["id", "note", "n"], "chunk \(chunkSize)")
            #expect(table.rows == [["1", "a, b", "x"], ["2", "say \"hi\"", ""], ["3", "two\r\nlines\nthree", ""], ["\"", "", "\"\"\""]],
                    "chunk \(chunkSize)")
            #expect(table.lines == [2, 3, 4, 7], "chunk \(chunkSize)")
        }
    }

    @Test func aMissingFinalLineBreakAndATrailingEmptyField() throws {
        for chunkSize in Self.chunkSizes {
            #expect(try scan(Array("a,b\n1,\"2\"".utf8), chunkSize: chunkSize).rows == [["1", "2"]])
            #expect(try scan(Array("a,b\n1,".utf8), chunkSize: chunkSize).rows == [["1", ""]])
            #expect(try scan(Array("a,b\r\n1,2\r".utf8), chunkSize: chunkSize).rows == [["1", "2"]])
        }
    }

    @Test func malformedQuotesNameTheFileAndLineAtEveryChunkSize() {
        for chunkSize in Self.chunkSizes {
            #expect(failure("a,b\n1,2\n3,\"open\n4,5\n6,7\n", chunkSize: chunkSize)?.message
                == "'audit/data.csv' line 3: a quoted field opened on line 3 is never closed; add the closing quote (\") or double any quote inside the field.")
            #expect(failure("a,b\n1,\"x\ny\"\n2,ab\"c\n", chunkSize: chunkSize)?.message
                == "'audit/data.csv' line 4: a quote (\") appears inside an unquoted field; enclose the whole field in quotes and write the quote twice (\"\").")
            #expect(failure("a,b\n1,2\n3,\"x\"y\n", chunkSize: chunkSize)?.message
                == "'audit/data.csv' line 3: text follows the closing quote of a field; put the whole field inside the quotes.")
            #expect(failure("a,b\n1,2\r3,4\n", chunkSize: chunkSize)?.line == 2)
        }
    }

    @Test func aRowLongerThanTheBufferGrowsItUpToTheRowLimit() throws {
        let long = String(repeating: "x", count: 300)
        let table = try scan(Array("a,b\n1,\(long)\n2,\"\(long)\n\"\n".utf8), chunkSize: 16)
        #expect(table.rows == [["1", long], ["2", long + "\n"]])
        let limits = CSVLimits(maximumFieldBytes: 1_000, maximumFieldCount: 8, maximumRowBytes: 100)
        let unclosed = #expect(throws: CSVError.self) { try scan(Array("a,b\n1,2\n3,\"\(long)".utf8), chunkSize: 16, limits: limits) }
        #expect(unclosed?.message == "'audit/data.csv' line 3: the row is longer than 100 bytes; check for an unclosed quote.")
        let unbroken = #expect(throws: CSVError.self) { try scan(Array("a,b\n1,\(long)".utf8), chunkSize: 16, limits: limits) }
        #expect(unbroken?.message == "'audit/data.csv' line 2: the row is longer than 100 bytes; check for a missing line break or quote.")
    }

    @Test func generatedFilesScanAsTheReferenceParserReadsThem() throws {
        var random = SeededRandom(seed: 16)
        for round in 0..<20 {
            let rows = (0..<200).map { _ in (0..<4).map { _ in randomField(&random) } }
            let lineEnding = round % 2 == 0 ? "\n" : "\r\n"
            var text = "k,a,b,c" + lineEnding
            for row in rows { text += row.map(quotedIfNeeded).joined(separator: ",") + lineEnding }
            let bytes = (round % 3 == 0 ? [0xEF, 0xBB, 0xBF] : []) + Array(text.utf8)
            let expected = referenceParse(Array(text.utf8))
            #expect(expected.count == rows.count + 1)
            for chunkSize in Self.chunkSizes {
                let table = try scan(bytes, chunkSize: chunkSize)
                #expect([table.header] + table.rows == expected, "round \(round), chunk \(chunkSize)")
                #expect(table.rows == rows)
            }
        }
    }

    // MARK: the fairness numbers, against a plain count of the same generated files

    /// A generated audit file and decision output, and what a plain count of them gives.
    struct GeneratedFairness: Sendable, CustomTestStringConvertible {
        /// Audit rows.
        var rows: Int
        /// Race labels beyond the five named ones (`Group 1`, `Group 2`, …), to pass the 16
        /// values per attribute that the audit table numbers through its small array.
        var extraRaces: Int
        /// Keys padded to this many digits, plus a varying tail, so short (inline) and long
        /// (arena) keys mix.
        var keyDigits: Int
        var testDescription: String { "\(rows) rows, \(5 + extraRaces) races, keys of \(keyDigits)+ digits" }
    }

    /// Small, in the shape of the benchmark; then over 1 MB, so rows cross the edge of the
    /// scanner's 1 MB read buffer, with keys of 7 to 13 bytes (packed inline up to 8, in an arena
    /// past it) and 45 races.
    static let generated = [GeneratedFairness(rows: 5_000, extraRaces: 0, keyDigits: 1),
                            GeneratedFairness(rows: 40_000, extraRaces: 40, keyDigits: 6)]

    @Test(arguments: CSVScannerTests.generated)
    func fairnessNumbersMatchAPlainCountOfAGeneratedFile(_ generated: GeneratedFairness) throws {
        var random = SeededRandom(seed: 1_600)
        let races = ["White", "Black", "Hispanic, Latino", "Asian \"East\"", "Pacific Islander"]
            + (0..<generated.extraRaces).map { "Group \($0 + 1)" }
        var audit = "\u{FEFF}rider_id,race,sex,fare_evaded\r\n"
        var decisions: [String] = []
        var expected: [[String]: (count: Int, selected: Int, positives: Int, truePositives: Int)] = [:]
        var auditOnly = 0
        for index in 0..<generated.rows {
            let digits = String(repeating: "0", count: max(0, generated.keyDigits - String(index).count)) + String(index)
            let tail = String(repeating: "x", count: index % 6)
            let key = index % 7 == 0 ? "r,\(digits)\(tail)" : "r\(digits)\(tail)"
            let race = races[Int(random.next() % UInt64(races.count))]
            let sex = random.next() % 2 == 0 ? "Female" : "Male"
            let label = random.next() % 9 == 0
            audit += [key, race, sex, label ? "1" : "0"].map(quotedIfNeeded).joined(separator: ",") + "\r\n"
            guard random.next() % 10 != 0 else {
                auditOnly += 1
                continue
            }
            let selected = random.next() % 4 == 0
            decisions.append("\(quotedIfNeeded(key)),\(selected ? 1 : 0)\n")
            for values in [[race], [sex], [race, sex]] {
                var counts = expected[values] ?? (0, 0, 0, 0)
                counts.count += 1
                counts.selected += selected ? 1 : 0
                counts.positives += label ? 1 : 0
                counts.truePositives += selected && label ? 1 : 0
                expected[values] = counts
            }
        }
        for _ in 0..<37 { decisions.append("nobody\(random.next() % 1_000_000),1\n") }
        decisions.shuffle(using: &random)

        let directory = try makeTemporaryDirectory("fairness-differential")
        defer { directory.remove() }
        try writeFile(audit, to: "audit.csv", in: directory.url)
        try writeFile("rider_id,inspect\n" + decisions.joined(), to: "decisions.csv", in: directory.url)
        let spec = AuditSpec(file: "audit.csv", key: "rider_id", attributes: ["race", "sex"], labelColumn: "fare_evaded",
                             output: "decisions.csv", decisionColumn: "inspect", selectedValue: "1", selectionIs: .adverse)
        let report = try DisparityAnalysis.run(outputURL: directory.url.appendingPathComponent("decisions.csv"),
                                               auditURL: directory.url.appendingPathComponent("audit.csv"),
                                               spec: spec, parameters: .defaults)
        #expect(report.matchedRows == generated.rows - auditOnly)
        #expect(report.unmatchedAuditRows == auditOnly)
        #expect(report.unmatchedOutputRows == 37)
        #expect(report.breakdowns.map(\.attributes) == [["race"], ["sex"], ["race", "sex"]])
        var seen = 0
        for group in report.breakdowns.flatMap(\.groups) {
            let counts = try #require(expected[group.values], "unexpected group \(group.values)")
            seen += 1
            #expect(group.count == counts.count)
            #expect(group.selectionRate == Rate(counts.selected, of: counts.count), "\(group.label)")
            #expect(group.baseRate == Rate(counts.positives, of: counts.count))
            #expect(group.truePositiveRate == Rate(counts.truePositives, of: counts.positives))
            #expect(group.falsePositiveRate == Rate(counts.selected - counts.truePositives, of: counts.count - counts.positives))
        }
        #expect(seen == expected.count)
    }
}

/// A field that needs quoting (comma, quote, line break) is quoted, its quotes doubled.
private func quotedIfNeeded(_ field: String) -> String {
    // By bytes: "\r\n" is a single Character, which a Character test would not find.
    guard field.utf8.contains(where: { [0x2C, 0x22, 0x0A, 0x0D].contains($0) }) else { return field }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// Short fields mixing plain text, commas, quotes, line breaks, CRLF, accents and empties.
private func randomField(_ random: inout SeededRandom) -> String {
    let pieces = ["a", "bc", ",", "\"", "\n", "\r\n", "é", "x y", "", "1.5"]
    return (0..<Int(random.next() % 5)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
}

/// RFC 4180 read the plain way: the whole file, one byte at a time, no limits and no checks.
private func referenceParse(_ bytes: [UInt8]) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field: [UInt8] = []
    var quoted = false
    var index = 0
    func endField() { row.append(String(decoding: field, as: UTF8.self)); field = [] }
    while index < bytes.count {
        let byte = bytes[index]
        if quoted {
            if byte == 0x22, index + 1 < bytes.count, bytes[index + 1] == 0x22 {
                field.append(0x22)
                index += 1
            } else if byte == 0x22 {
                quoted = false
            } else {
                field.append(byte)
            }
        } else if byte == 0x22 {
            quoted = true
        } else if byte == 0x2C {
            endField()
        } else if byte == 0x0A {
            endField()
            rows.append(row)
            row = []
        } else if byte != 0x0D {
            field.append(byte)
        }
        index += 1
    }
    if !field.isEmpty || !row.isEmpty { endField(); rows.append(row) }
    return rows
}

/// SplitMix64: the same numbers on every run, so a failure can be replayed.
private struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
