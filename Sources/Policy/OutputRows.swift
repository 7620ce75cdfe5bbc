import Foundation
import ProductModel
import RegistrySupport

/// Reads a product's output file (CSV or JSON lines) row by row as text, for rules to inspect.
///
/// Every row handed to a rule has exactly one field per header column, whatever the product wrote,
/// so rules can index a row by any header position.
enum OutputRows {
    /// Why an output could not be read, as a sentence for a finding.
    struct Unreadable: Error {
        let message: String
    }

    /// The columns an output's rows are laid out in, and what its JSON lines rows left out.
    struct Layout {
        /// The column names; every row passed to the body has one field per name, in this order.
        ///
        /// For CSV, the file's header. For JSON lines, the declared columns in declared order, then
        /// undeclared keys in the order first seen (sorted within a line), since JSON objects have
        /// no column order of their own.
        var header: [String]
        /// Declared columns some JSON lines rows have no key for: the first such row and how many.
        var missingKeys: [String: (firstRow: Int, rows: Int)] = [:]
    }

    /// Calls `body` with each data row's fields, laid out as the returned layout's header says.
    ///
    /// A JSON lines row that lacks a key reads as an empty field there; `missingKeys` says so.
    @discardableResult
    static func read(_ url: URL, output: ProductOutput, body: (_ row: Int, _ fields: [String]) -> Void) throws(Unreadable) -> Layout {
        switch output.format {
        case .csv:
            do {
                // The reader refuses any row whose field count differs from the header's.
                let reader = try CSVReader(url: url, displayName: output.name)
                var row = 0
                while let record = try reader.next() {
                    row += 1
                    body(row, record.fields)
                }
                return Layout(header: reader.header)
            } catch {
                throw Unreadable(message: error.message)
            }
        case .jsonLines:
            return try readJSONLines(url, output: output, body: body)
        }
    }

    /// Reads a whole (small) output into memory; each row has one field per header column.
    static func table(_ url: URL, output: ProductOutput) throws(Unreadable) -> (header: [String], rows: [[String]]) {
        var rows: [[String]] = []
        let header = try read(url, output: output) { _, fields in rows.append(fields) }.header
        return (header, rows)
    }

    /// Two passes over the file: the first finds every key, so the header is complete before the
    /// first row is handed out; the second lays each row out by key.
    private static func readJSONLines(_ url: URL, output: ProductOutput,
                                      body: (Int, [String]) -> Void) throws(Unreadable) -> Layout {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw Unreadable(message: "'\(output.name)' cannot be read (\(error.localizedDescription)).")
        }
        // Rows are the non-blank lines; messages name the physical line, as an editor shows it.
        let rows = data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated()
            .filter { !$0.element.isEmpty }.map { (line: $0.offset + 1, text: $0.element) }
        func object(_ row: Int) throws(Unreadable) -> [String: JSONCell] {
            guard let object = try? JSONDecoder().decode([String: JSONCell].self, from: Data(rows[row].text)) else {
                throw Unreadable(message: "'\(output.name)' line \(rows[row].line) is not a JSON object; write one JSON object per line.")
            }
            return object
        }
        var layout = Layout(header: output.columns.map(\.name))
        var known = Set(layout.header)
        for index in rows.indices {
            let object = try object(index)
            // Readers disagree on which of two equal keys counts, and a nested value can carry
            // fields no rule sees: either would let the published file say what the check did not read.
            if let key = JSONDuplicateKeys.first(in: rows[index].text) {
                throw Unreadable(message: "'\(output.name)' line \(rows[index].line) has the key '\(key.shortenedForMessage)' twice; write each key once per line.")
            }
            if let key = object.keys.sorted().first(where: { object[$0]?.isPlain == false }) {
                throw Unreadable(message: "'\(output.name)' line \(rows[index].line) key '\(key.shortenedForMessage)' holds an object, an array or a number out of range; write one text, number, true/false or null per key.")
            }
            for key in object.keys.sorted() where known.insert(key).inserted {
                layout.header.append(key)
            }
        }
        let declared = output.columns.map(\.name)
        for index in rows.indices {
            let row = index + 1
            let object = try object(index)
            for key in declared where object[key] == nil {
                let missing = layout.missingKeys[key] ?? (row, 0)
                layout.missingKeys[key] = (missing.firstRow, missing.rows + 1)
            }
            body(row, layout.header.map { object[$0]?.text ?? "" })
        }
        return layout
    }
}

/// One JSON value in a JSON lines output, kept as the text a CSV cell would hold.
private struct JSONCell: Decodable {
    let text: String
    /// Whether the value is one text, number, boolean or null (not an object, array or out-of-range number).
    var isPlain = true

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { text = "" }
        else if let value = try? container.decode(Bool.self) { text = value ? "true" : "false" }
        else if let value = try? container.decode(Int.self) { text = String(value) }
        else if let value = try? container.decode(Double.self) { text = String(value) }
        else if let value = try? container.decode(String.self) { text = value }
        else { text = ""; isPlain = false }
    }
}
