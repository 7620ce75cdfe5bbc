import RegistrySupport

/// CSV the catalog publishes for spreadsheets, written with the shared `CSVWriter`.
enum PublishedCSV {
    /// A whole table, header first, every field guarded against being run as a formula.
    static func render(header: [String], rows: [[String]]) -> String {
        CSVWriter.render(header: header.map(spreadsheetSafe), rows: rows.map { $0.map(spreadsheetSafe) })
    }

    /// A leading =, +, - or @ would be run as a formula by spreadsheets; a leading quote mark
    /// neutralises that without changing the text much for other readers.
    static func spreadsheetSafe(_ field: String) -> String {
        if let first = field.first, "=+-@".contains(first) { return "'" + field }
        return field
    }
}
