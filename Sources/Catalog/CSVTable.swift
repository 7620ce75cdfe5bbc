import Foundation

/// A minimal RFC 4180 reader and writer for the catalog's own CSV files.
///
/// Reads UTF-8 with optional quoting (`""` inside quotes), LF or CRLF line ends; blank lines are
/// skipped. To be replaced by the shared CSV reader in RegistrySupport once that lands.
enum CSVTable {
    /// One parsed record and the one-based line it started on.
    struct Record {
        var line: Int
        var fields: [String]
    }

    /// Why text could not be read as CSV.
    struct ParseError: Error {
        var line: Int
        var reason: String
    }

    static func parse(_ text: String) throws(ParseError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var line = 1
        var recordLine = 1
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil

        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []; field = ""; fieldWasQuoted = false
        }

        while let scalar = pending ?? scalars.next() {
            pending = nil
            if inQuotes {
                if scalar == "\"" {
                    let next = scalars.next()
                    if next == "\"" {
                        field.unicodeScalars.append("\"")
                    } else {
                        inQuotes = false
                        pending = next
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard field.isEmpty, !fieldWasQuoted else {
                    throw ParseError(line: line, reason: "a quote appears inside an unquoted field")
                }
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                fields.append(field); field = ""; fieldWasQuoted = false
            case "\r":
                let next = scalars.next()
                guard next == "\n" else { throw ParseError(line: line, reason: "a carriage return is not followed by a line feed") }
                endRecord(); line += 1; recordLine = line
            case "\n":
                endRecord(); line += 1; recordLine = line
            default:
                guard !fieldWasQuoted else {
                    throw ParseError(line: line, reason: "text follows a closing quote")
                }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw ParseError(line: recordLine, reason: "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return records
    }

    /// One CSV line (with a trailing LF), quoting fields only when they need it.
    static func line(_ fields: [String]) -> String {
        fields.map(quoted).joined(separator: ",") + "\n"
    }

    private static func quoted(_ field: String) -> String {
        // A leading =, +, - or @ would be run as a formula by spreadsheets; a leading quote mark
        // neutralises that without changing the text for other readers much.
        var value = field
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || value != field else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
