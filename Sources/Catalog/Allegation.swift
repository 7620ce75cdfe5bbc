import Foundation
import ProductModel
import RegistrySupport

/// One allegation that a security response used a protected attribute as a basis for the action.
///
/// Only the importer and the aggregation see these records; the catalog publishes counts only.
public struct Allegation: Sendable, Hashable, Codable {
    /// The record id from the source system; never published.
    public var id: String
    /// The day the allegation was received; only its quarter is ever published.
    public var dateReceived: CalendarDate
    /// The service that responded (`Transit Police`, `Fare Inspection`, `Outreach`).
    public var respondingService: String
    /// The protected attributes named as the basis; never empty.
    public var basis: [AllegationBasis]
    /// The kind of action complained of (`stop`, `citation`); not published.
    public var actionType: String
    /// Where it stands in its life cycle.
    public var status: AllegationStatus
    /// The investigation outcome.
    public var finding: AllegationFinding
    /// The analytic products that informed the deployment, if known.
    public var productIDs: [ProductID]

    /// Creates an allegation.
    public init(id: String, dateReceived: CalendarDate, respondingService: String, basis: [AllegationBasis],
                actionType: String, status: AllegationStatus, finding: AllegationFinding, productIDs: [ProductID] = []) {
        self.id = id; self.dateReceived = dateReceived; self.respondingService = respondingService
        self.basis = basis; self.actionType = actionType; self.status = status; self.finding = finding
        self.productIDs = productIDs
    }

    /// The calendar quarter the allegation was received in (`2026-Q3`), the finest period published.
    public var quarter: String {
        "\(dateReceived.year)-Q\((dateReceived.month - 1) / 3 + 1)"
    }
}

/// A protected attribute an allegation can name (the board policy's list).
public enum AllegationBasis: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case age, disability, ethnicity, gender, nationality, race, religion
    case sexualOrientation = "sexual orientation"

    public static func < (lhs: AllegationBasis, rhs: AllegationBasis) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Whether an allegation's investigation is finished.
public enum AllegationStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case open, closed
}

/// The outcome of an allegation's investigation.
public enum AllegationFinding: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case sustained
    case notSustained = "not sustained"
    case unfounded
    case exonerated
    case pending

    public static func < (lhs: AllegationFinding, rhs: AllegationFinding) -> Bool {
        let order = AllegationFinding.allCases
        return (order.firstIndex(of: lhs) ?? 0) < (order.firstIndex(of: rhs) ?? 0)
    }
}

/// Reads the allegations CSV export.
///
/// Columns (header row required, any order, no others): `id`, `date_received` (`YYYY-MM-DD`),
/// `responding_service`, `basis` (one or more of age, disability, ethnicity, gender, nationality,
/// race, religion, sexual orientation, separated by `;`), `action_type`, `status` (open | closed),
/// `finding` (sustained | not sustained | unfounded | exonerated | pending), `product_ids`
/// (optional value: product ids separated by `;`). Values are matched case-insensitively and
/// trimmed. Every bad cell is an error naming the file, line, column and value.
public enum AllegationsImporter {
    /// The columns the file must have, in the documented order.
    public static let columns = ["id", "date_received", "responding_service", "basis", "action_type",
                                 "status", "finding", "product_ids"]

    /// The text without leading and trailing whitespace, as `trimmingCharacters(in: .whitespaces)`
    /// gives it, but without that call when there is nothing to trim: it dominated reading the file.
    private static func trimmed(_ text: some StringProtocol) -> String {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
              !CharacterSet.whitespaces.contains(first), !CharacterSet.whitespaces.contains(last) else {
            return text.trimmingCharacters(in: .whitespaces)
        }
        return String(text)
    }

    /// Parses an allegations CSV file; `fileName` is how messages name it.
    public static func parse(contentsOf url: URL, fileName: String) throws(CatalogError) -> [Allegation] {
        let reader: CSVReader
        var records: [(line: Int, fields: [String])] = []
        do {
            reader = try CSVReader(url: url, displayName: fileName)
            while let record = try reader.next() {
                // A blank line (one empty field) carries no allegation.
                if record.count == 1 && record[0].isEmpty { continue }
                records.append((record.line, record.fields))
            }
        } catch {
            throw .badAllegationsFile(file: fileName, line: error.line, reason: error.reason)
        }
        let headerLine = 1
        let names = reader.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var position: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            guard columns.contains(name) else {
                throw .badAllegationsFile(file: fileName, line: headerLine,
                                          reason: "column '\(name)' is not part of the allegations format (\(columns.joined(separator: ", "))); remove it")
            }
            guard position[name] == nil else {
                throw .badAllegationsFile(file: fileName, line: headerLine, reason: "column '\(name)' appears twice in the header")
            }
            position[name] = index
        }
        if let missing = columns.first(where: { position[$0] == nil }) {
            throw .badAllegationsFile(file: fileName, line: headerLine, reason: "the header lacks column '\(missing)'")
        }
        var seenIDs: [String: Int] = [:]
        var allegations: [Allegation] = []
        allegations.reserveCapacity(records.count)
        for record in records {
            guard record.fields.count == names.count else {
                throw .badAllegationsFile(file: fileName, line: record.line,
                                          reason: "the row has \(record.fields.count) cells but the header has \(names.count)")
            }
            func cell(_ column: String) -> String {
                trimmed(record.fields[position[column] ?? 0])
            }
            func bad(_ column: String, _ expected: String) -> CatalogError {
                .badAllegation(file: fileName, line: record.line, column: column, value: cell(column), expected: expected)
            }
            let id = cell("id")
            guard !id.isEmpty else { throw bad("id", "a non-empty record id") }
            if let first = seenIDs[id] { throw bad("id", "unique (line \(first) has the same id)") }
            seenIDs[id] = record.line
            guard let date = CalendarDate(cell("date_received")) else {
                throw bad("date_received", "a date written YYYY-MM-DD")
            }
            let service = cell("responding_service")
            guard !service.isEmpty, service.count <= 80 else {
                throw bad("responding_service", "the responding service's name (1 to 80 characters)")
            }
            let basisWords = cell("basis").split(separator: ";").map { trimmed($0).lowercased() }
            var basis: [AllegationBasis] = []
            for word in basisWords {
                guard let value = AllegationBasis(rawValue: word) else {
                    throw bad("basis", "one or more of \(AllegationBasis.allCases.map(\.rawValue).joined(separator: ", ")) separated by ';'")
                }
                if !basis.contains(value) { basis.append(value) }
            }
            guard !basis.isEmpty else {
                throw bad("basis", "one or more of \(AllegationBasis.allCases.map(\.rawValue).joined(separator: ", ")) separated by ';'")
            }
            let action = cell("action_type")
            guard !action.isEmpty else { throw bad("action_type", "the kind of action (for example stop or citation)") }
            guard let status = AllegationStatus(rawValue: cell("status").lowercased()) else {
                throw bad("status", "open or closed")
            }
            guard let finding = AllegationFinding(rawValue: cell("finding").lowercased()) else {
                throw bad("finding", AllegationFinding.allCases.map(\.rawValue).joined(separator: ", ") + " (one of them)")
            }
            var products: [ProductID] = []
            for text in cell("product_ids").split(separator: ";").map({ trimmed($0) }) where !text.isEmpty {
                guard let product = ProductID(text) else {
                    throw bad("product_ids", "product ids (lowercase letters, digits and '-') separated by ';', or empty")
                }
                if !products.contains(product) { products.append(product) }
            }
            allegations.append(Allegation(id: id, dateReceived: date, respondingService: service,
                                          basis: basis.sorted(), actionType: action, status: status,
                                          finding: finding, productIDs: products.sorted()))
        }
        return allegations
    }
}
