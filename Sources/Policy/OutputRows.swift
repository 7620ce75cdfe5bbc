import Foundation
import ProductModel
import RegistrySupport

/// Reads a product's output file (CSV or JSON lines) row by row as text, for rules to inspect.
enum OutputRows {
    /// Why an output could not be read, as a sentence for a finding.
    struct Unreadable: Error {
        let message: String
    }

    /// Calls `body` with each data row's fields, in header order; returns the header.
    ///
    /// JSON lines rows are laid out in the declared column order (keys absent from a row read as
    /// empty), and the "header" is the union of keys in first-seen order, sorted.
    @discardableResult
    static func read(_ url: URL, output: ProductOutput, body: (_ row: Int, _ fields: [String]) -> Void) throws(Unreadable) -> [String] {
        switch output.format {
        case .csv:
            do {
                let reader = try CSVReader(url: url, displayName: output.name)
                var row = 0
                while let record = try reader.next() {
                    row += 1
                    body(row, record.fields)
                }
                return reader.header
            } catch {
                throw Unreadable(message: error.message)
            }
        case .jsonLines:
            return try readJSONLines(url, output: output, body: body)
        }
    }

    /// Reads a whole (small) output into memory.
    static func table(_ url: URL, output: ProductOutput) throws(Unreadable) -> (header: [String], rows: [[String]]) {
        var rows: [[String]] = []
        let header = try read(url, output: output) { _, fields in rows.append(fields) }
        return (header, rows)
    }

    private static func readJSONLines(_ url: URL, output: ProductOutput,
                                      body: (Int, [String]) -> Void) throws(Unreadable) -> [String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw Unreadable(message: "'\(output.name)' cannot be read (\(error.localizedDescription)).")
        }
        let declared = output.columns.map(\.name)
        var keys: [String] = []
        var row = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) where !line.isEmpty {
            row += 1
            guard let object = try? JSONDecoder().decode([String: JSONCell].self, from: Data(line)) else {
                throw Unreadable(message: "'\(output.name)' line \(row) is not a JSON object; write one JSON object per line.")
            }
            for key in object.keys.sorted() where !keys.contains(key) { keys.append(key) }
            body(row, declared.map { object[$0]?.text ?? "" })
        }
        let extra = keys.filter { !declared.contains($0) }
        return declared.filter { keys.contains($0) } + extra
    }
}

/// One JSON value in a JSON lines output, kept as the text a CSV cell would hold.
private struct JSONCell: Decodable {
    let text: String

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { text = "" }
        else if let value = try? container.decode(Bool.self) { text = value ? "true" : "false" }
        else if let value = try? container.decode(Int.self) { text = String(value) }
        else if let value = try? container.decode(Double.self) { text = String(value) }
        else if let value = try? container.decode(String.self) { text = value }
        else { text = "(nested value)" }
    }
}
