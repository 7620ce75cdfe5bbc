import Foundation
import RegistrySupport
import Testing
import TestSupport

@Suite struct CSVTests {
    private func read(_ text: String, limits: CSVLimits = CSVLimits()) throws -> (header: [String], rows: [[String]]) {
        try read(bytes: Array(text.utf8), limits: limits)
    }

    private func read(bytes: [UInt8], limits: CSVLimits = CSVLimits()) throws -> (header: [String], rows: [[String]]) {
        let directory = try makeTemporaryDirectory("csv")
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("data.csv")
        try Data(bytes).write(to: url)
        return try CSVReader.readAll(url: url, displayName: "samples/data.csv", limits: limits)
    }

    private func error(_ text: String, limits: CSVLimits = CSVLimits()) -> CSVError? {
        error(bytes: Array(text.utf8), limits: limits)
    }

    private func error(bytes: [UInt8], limits: CSVLimits = CSVLimits()) -> CSVError? {
        do {
            _ = try read(bytes: bytes, limits: limits)
            return nil
        } catch let error as CSVError {
            return error
        } catch {
            return nil
        }
    }

    @Test func readsQuotedFieldsWithCommasQuotesAndLineBreaks() throws {
        let table = try read("id,note\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n4,\n")
        #expect(table.header == ["id", "note"])
        #expect(table.rows == [["1", "a, b"], ["2", "say \"hi\""], ["3", "two\nlines"], ["4", ""]])
    }

    @Test func acceptsCRLFAndAMissingFinalNewline() throws {
        #expect(try read("a,b\r\n1,2\r\n3,4").rows == [["1", "2"], ["3", "4"]])
        #expect(try read("a,b\r\n\"x\r\ny\",2\r\n").rows == [["x\r\ny", "2"]])
    }

    @Test func skipsAByteOrderMark() throws {
        #expect(try read(bytes: [0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8)).header == ["a", "b"])
    }

    @Test func keepsUnicodeText() throws {
        #expect(try read("station,name\n1,Café Zürich\n").rows == [["1", "Café Zürich"]])
    }

    @Test func reportsTheLineOfARowWithTheWrongFieldCount() {
        let failure = error("a,b\n1,2\n\"multi\nline\",3\n4,5,6\n")
        #expect(failure?.line == 5)
        #expect(failure?.message == "'samples/data.csv' line 5: the row has 3 fields but the header has 2; quote fields that contain commas, or remove the extra fields.")
    }

    @Test func reportsAnUnclosedQuoteAtTheLineItOpened() {
        let failure = error("a,b\n1,2\n3,\"open\n4,5\n")
        #expect(failure?.line == 3)
        #expect(failure?.message.contains("never closed") == true)
    }

    @Test func rejectsStrayQuotesAndBareCarriageReturns() {
        #expect(error("a,b\n1,x\"y\n")?.message.contains("inside an unquoted field") == true)
        #expect(error("a,b\n1,\"x\"y\n")?.message.contains("follows the closing quote") == true)
        #expect(error("a,b\n1,2\r3,4\n")?.message.contains("carriage return") == true)
    }

    @Test func rejectsInvalidUTF8WithItsLine() {
        let failure = error(bytes: Array("a,b\n1,2\n3,".utf8) + [0xC3, 0x28] + [0x0A])
        #expect(failure?.line == 3)
        #expect(failure?.message.contains("not valid UTF-8") == true)
    }

    @Test func rejectsBadHeaders() {
        #expect(error("")?.message.contains("empty") == true)
        #expect(error("a,a\n1,2\n")?.message.contains("column 'a' appears twice") == true)
        #expect(error("a,,c\n1,2,3\n")?.message.contains("header column 2 has no name") == true)
    }

    @Test func enforcesSizeLimits() {
        let limits = CSVLimits(maximumFieldBytes: 8, maximumFieldCount: 3, maximumRowBytes: 20)
        #expect(error("a,b\n1,123456789\n", limits: limits)?.message.contains("longer than 8 bytes") == true)
        #expect(error("a,b,c,d\n", limits: limits)?.message.contains("more than 3 fields") == true)
        #expect(error("a,b\n\"1234567\",\"1234567\n1234567\"\n", limits: limits)?.message.contains("longer than 20 bytes") == true)
    }

    @Test func streamsAcrossChunkBoundariesAndRoundTripsThroughTheWriter() throws {
        var rows: [[String]] = []
        for index in 0..<60_000 {
            rows.append(["k\(index)", index % 7 == 0 ? "quoted, \"field\"\nline \(index)" : "plain \(index)", "é\(index % 10)"])
        }
        let text = CSVWriter.render(header: ["key", "text", "accent"], rows: rows)
        let table = try read(text)
        #expect(table.rows.count == rows.count)
        #expect(table.rows == rows)
    }

    @Test func recordsKnowTheirStartingLine() throws {
        let directory = try makeTemporaryDirectory("csv-lines")
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("x.csv")
        try Data("a\n\"1\n2\"\n3\n".utf8).write(to: url)
        let reader = try CSVReader(url: url)
        #expect(try reader.next()?.line == 2)
        #expect(try reader.next()?.line == 4)
        #expect(try reader.next() == nil)
    }

    @Test func writerQuotesOnlyWhatNeedsIt() {
        var writer = CSVWriter()
        writer.write(["plain", "a,b", "say \"hi\"", "two\nlines", ""])
        #expect(writer.text == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n")
    }
}
