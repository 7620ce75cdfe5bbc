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

/// One bad cell (or a row of the wrong width) in an allegations file.
public struct AllegationProblem: Sendable, Hashable {
    /// The one-based line of the row.
    public var line: Int
    /// The column of the bad cell, or `nil` when the row as a whole is wrong.
    public var column: String?
    /// The cell's value as read (trimmed).
    public var value: String
    /// What the cell must be, or for a whole row what is wrong with it.
    public var expected: String

    /// A problem with one cell.
    public init(line: Int, column: String, value: String, expected: String) {
        self.line = line; self.column = column; self.value = value; self.expected = expected
    }

    /// A problem with a whole row.
    public init(line: Int, row reason: String) {
        self.line = line; self.column = nil; self.value = ""; self.expected = reason
    }

    /// The problem as one line naming the file, line, column and value, without a final full stop.
    func message(file: String) -> String {
        guard let column else { return "\(file):\(line): \(expected)" }
        return "\(file):\(line): column '\(column)' has '\(value.shortenedForMessage)', but it must be \(expected)"
    }
}

/// Reads the allegations CSV export.
///
/// Columns (header row required, any order, no others): `id`, `date_received` (`YYYY-MM-DD`),
/// `responding_service`, `basis` (one or more of age, disability, ethnicity, gender, nationality,
/// race, religion, sexual orientation, separated by `;`), `action_type`, `status` (open | closed),
/// `finding` (sustained | not sustained | unfounded | exonerated | pending), `product_ids`
/// (optional value: ids of the registry's products separated by `;`). Values are matched
/// case-insensitively and trimmed. Every bad cell in the file is reported at once, each naming the
/// file, line, column and value, so one import attempt shows everything to correct.
public enum AllegationsImporter {
    /// The columns the file must have, in the documented order.
    public static let columns = ["id", "date_received", "responding_service", "basis", "action_type",
                                 "status", "finding", "product_ids"]

    /// No allegation predates this day: an earlier date is a typing or export mistake (and a date
    /// centuries away would make the report list every quarter in between).
    public static let earliestDate = CalendarDate(year: 1990, month: 1, day: 1)

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
    ///
    /// - Parameters:
    ///   - knownProducts: the registry's product ids; a `product_ids` entry naming another is a bad
    ///     cell. `nil` accepts any well-formed id.
    ///   - latestDate: the last day an allegation can have been received (the catalog's as-of date,
    ///     or today); `nil` for no upper bound.
    public static func parse(contentsOf url: URL, fileName: String, knownProducts: Set<ProductID>? = nil,
                             latestDate: CalendarDate? = nil) throws(CatalogError) -> [Allegation] {
        let reader: CSVReader
        var records: [(line: Int, fields: [String])] = []
        do {
            reader = try CSVReader(url: url, displayName: fileName)
            while let record = try reader.next() {
                // A blank line (one empty field) carries no allegation.
                if record.count == 1 && record[0].isEmpty { continue }
                records.append((record.line, record.fields))
            }
        } catch where error.category == .invalidContent {
            throw .badAllegationsFile(file: fileName, line: error.line, reason: error.reason)
        } catch {
            throw .unreadableAllegationsFile(file: fileName, reason: error.reason)
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
        let dates = earliestDate...(latestDate ?? CalendarDate(year: 9999, month: 12, day: 31))
        let dateRule = latestDate.map { "a date written YYYY-MM-DD from \(earliestDate) to \($0) (the catalog's date)" }
            ?? "a date written YYYY-MM-DD from \(earliestDate) on"
        let basisRule = "one or more of \(AllegationBasis.allCases.map(\.rawValue).joined(separator: ", ")) separated by ';'"
        var problems: [AllegationProblem] = []
        var seenIDs: [String: Int] = [:]
        var allegations: [Allegation] = []
        allegations.reserveCapacity(records.count)
        for record in records {
            guard record.fields.count == names.count else {
                problems.append(AllegationProblem(line: record.line, row: "the row has \(record.fields.count) cells but the header has \(names.count)"))
                continue
            }
            func cell(_ column: String) -> String {
                trimmed(record.fields[position[column] ?? 0])
            }
            let problemsBefore = problems.count
            func bad(_ column: String, _ expected: String, value: String? = nil) {
                problems.append(AllegationProblem(line: record.line, column: column, value: value ?? cell(column), expected: expected))
            }
            // Control characters carry no text; published, they would break the feed or drive a terminal.
            for column in names where cell(column).unicodeScalars.contains(where: \.isControlCharacter) {
                bad(column, "text without control characters")
            }
            let id = cell("id")
            if id.isEmpty {
                bad("id", "a non-empty record id")
            } else if let first = seenIDs[id] {
                bad("id", "unique (line \(first) has the same id)")
            } else {
                seenIDs[id] = record.line
            }
            let date = CalendarDate(cell("date_received")).flatMap { dates.contains($0) ? $0 : nil }
            if date == nil { bad("date_received", dateRule) }
            let service = cell("responding_service")
            if service.isEmpty || service.count > 80 {
                bad("responding_service", "the responding service's name (1 to 80 characters)")
            }
            let basisWords = cell("basis").split(separator: ";").map { trimmed($0).lowercased() }
            var basis: [AllegationBasis] = []
            for word in basisWords {
                guard let value = AllegationBasis(rawValue: word) else { basis = []; break }
                if !basis.contains(value) { basis.append(value) }
            }
            if basis.isEmpty { bad("basis", basisRule) }
            let action = cell("action_type")
            if action.isEmpty { bad("action_type", "the kind of action (for example stop or citation)") }
            let status = AllegationStatus(rawValue: cell("status").lowercased())
            if status == nil { bad("status", "open or closed") }
            let finding = AllegationFinding(rawValue: cell("finding").lowercased())
            if finding == nil { bad("finding", AllegationFinding.allCases.map(\.rawValue).joined(separator: ", ") + " (one of them)") }
            var products: [ProductID] = []
            for text in cell("product_ids").split(separator: ";").map({ trimmed($0) }) where !text.isEmpty {
                guard let product = ProductID(text) else {
                    bad("product_ids", "product ids (lowercase letters, digits and '-') separated by ';', or empty", value: text)
                    continue
                }
                if let knownProducts, !knownProducts.contains(product) {
                    bad("product_ids", "the id of a product in this registry (see 'registry list')", value: text)
                    continue
                }
                if !products.contains(product) { products.append(product) }
            }
            guard problems.count == problemsBefore, let date, let status, let finding else { continue }
            allegations.append(Allegation(id: id, dateReceived: date, respondingService: service,
                                          basis: basis.sorted(), actionType: action, status: status,
                                          finding: finding, productIDs: products.sorted()))
        }
        if !problems.isEmpty { throw .badAllegations(file: fileName, problems: problems) }
        return allegations
    }
}
