import ProductModel

/// A count as published: the number, or `nil` when it is suppressed.
///
/// Encoded as `{"count": 12, "suppressed": false}` or `{"count": null, "suppressed": true}`.
public struct PublishedCount: Sendable, Hashable, Codable {
    /// The count, or `nil` when suppressed.
    public var count: Int?
    /// Whether the count is withheld as a small cell or its complement.
    public var suppressed: Bool { count == nil }

    enum CodingKeys: String, CodingKey { case count, suppressed }

    /// A published count.
    public init(_ count: Int?) { self.count = count }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decodeIfPresent(Int.self, forKey: .count)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        try container.encode(suppressed, forKey: .suppressed)
    }
}

/// Counts by two dimensions with row, column and grand totals, after suppression.
public struct CrossTable: Sendable, Hashable, Codable {
    /// What the rows are (`quarter`, `responding_service`).
    public var rowDimension: String
    /// What the columns are (`finding`).
    public var columnDimension: String
    /// The row labels, in order.
    public var rowLabels: [String]
    /// The column labels, in order.
    public var columnLabels: [String]
    /// `cells[row][column]`.
    public var cells: [[PublishedCount]]
    /// One total per row.
    public var rowTotals: [PublishedCount]
    /// One total per column.
    public var columnTotals: [PublishedCount]
    /// The total of all cells.
    public var grandTotal: PublishedCount

    enum CodingKeys: String, CodingKey {
        case rowDimension = "row_dimension", columnDimension = "column_dimension"
        case rowLabels = "row_labels", columnLabels = "column_labels", cells
        case rowTotals = "row_totals", columnTotals = "column_totals", grandTotal = "grand_total"
    }
}

/// Counts by one dimension, after suppression; no total is published beside them.
public struct CountList: Sendable, Hashable, Codable {
    /// What the counts are grouped by (`basis`, `product`).
    public var dimension: String
    /// The group labels, in order.
    public var labels: [String]
    /// One count per label.
    public var counts: [PublishedCount]
}

/// The published allegations report: counts only, small cells suppressed.
///
/// Counts from 1 to `minimumCellSize - 1` are suppressed (primary suppression). Then, in every
/// row and column of a cross table, totals included, a single suppressed entry would be
/// recoverable by subtraction, so a second entry is suppressed (complementary suppression: the
/// smallest non-zero cell, else the total). Finding totals and the grand total appear in both cross
/// tables and are suppressed alike in both. The loop runs until nothing changes.
public struct AllegationsReport: Sendable, Hashable, Codable {
    /// The version of this record's shape.
    public var schemaVersion: Int = 1
    /// A stable id for the report record.
    public var id: String = "allegations"
    /// Counts from 1 to this minus one are suppressed.
    public var minimumCellSize: Int
    /// The first and last quarter covered (`2025-Q1`), `nil` when there are no allegations.
    public var firstQuarter: String?
    /// The last quarter covered.
    public var lastQuarter: String?
    /// Allegations by quarter received and finding.
    public var byQuarterAndFinding: CrossTable
    /// Allegations by responding service and finding.
    public var byServiceAndFinding: CrossTable
    /// Allegations naming each basis (an allegation may name several).
    public var byBasis: CountList
    /// Allegations linked to each product (an allegation may name several).
    public var byProduct: CountList

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", id, minimumCellSize = "minimum_cell_size"
        case firstQuarter = "first_quarter", lastQuarter = "last_quarter"
        case byQuarterAndFinding = "by_quarter_and_finding", byServiceAndFinding = "by_service_and_finding"
        case byBasis = "by_basis", byProduct = "by_product"
    }

    /// The total number of allegations as published (`nil` when suppressed).
    public var total: PublishedCount { byQuarterAndFinding.grandTotal }

    /// The published count for one product, if any allegation names it.
    public func count(forProduct id: String) -> PublishedCount? {
        byProduct.labels.firstIndex(of: id).map { byProduct.counts[$0] }
    }

    /// Aggregates allegations and applies primary and complementary suppression.
    public static func aggregate(_ allegations: [Allegation], minimumCellSize: Int = 11) -> AllegationsReport {
        let findings = AllegationFinding.allCases.map(\.rawValue)
        let quarters = allQuarters(between: allegations.map(\.dateReceived))
        let services = Set(allegations.map(\.respondingService)).sorted()
        func grid(rows: [String], key: (Allegation) -> String) -> [[Int]] {
            let rowIndex = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
            var counts = Array(repeating: Array(repeating: 0, count: findings.count), count: rows.count)
            for allegation in allegations {
                guard let row = rowIndex[key(allegation)],
                      let column = findings.firstIndex(of: allegation.finding.rawValue) else { continue }
                counts[row][column] += 1
            }
            return counts
        }
        let quarterGrid = Suppression.Grid(cells: grid(rows: quarters, key: \.quarter))
        let serviceGrid = Suppression.Grid(cells: grid(rows: services, key: \.respondingService))
        let (quarterFlags, serviceFlags) = Suppression.suppressSharingColumnTotals(
            quarterGrid, serviceGrid, minimumCellSize: minimumCellSize)

        var basisCounts: [String: Int] = [:]
        var productCounts: [String: Int] = [:]
        for allegation in allegations {
            for basis in allegation.basis { basisCounts[basis.rawValue, default: 0] += 1 }
            for product in allegation.productIDs { productCounts[product.rawValue, default: 0] += 1 }
        }
        let basisLabels = AllegationBasis.allCases.map(\.rawValue)
        let productLabels = productCounts.keys.sorted()
        return AllegationsReport(
            minimumCellSize: minimumCellSize, firstQuarter: quarters.first, lastQuarter: quarters.last,
            byQuarterAndFinding: quarterGrid.published(flags: quarterFlags, rowDimension: "quarter",
                                                       rowLabels: quarters, columnLabels: findings),
            byServiceAndFinding: serviceGrid.published(flags: serviceFlags, rowDimension: "responding_service",
                                                       rowLabels: services, columnLabels: findings),
            byBasis: Suppression.list(dimension: "basis", labels: basisLabels,
                                      counts: basisLabels.map { basisCounts[$0] ?? 0 }, minimumCellSize: minimumCellSize),
            byProduct: Suppression.list(dimension: "product", labels: productLabels,
                                        counts: productLabels.map { productCounts[$0] ?? 0 }, minimumCellSize: minimumCellSize))
    }

    /// Every quarter from the earliest to the latest date, so empty quarters show as 0.
    private static func allQuarters(between dates: [CalendarDate]) -> [String] {
        guard let first = dates.min(), let last = dates.max() else { return [] }
        var quarters: [String] = []
        var year = first.year
        var quarter = (first.month - 1) / 3 + 1
        let end = (last.year, (last.month - 1) / 3 + 1)
        while (year, quarter) <= end {
            quarters.append("\(year)-Q\(quarter)")
            quarter += 1
            if quarter > 4 { quarter = 1; year += 1 }
        }
        return quarters
    }
}

/// Primary and complementary cell suppression.
enum Suppression {
    /// A table of raw counts extended with its totals: the last row and column hold the totals.
    struct Grid {
        /// `(rows + 1) × (columns + 1)` values; `values[rows][columns]` is the grand total.
        var values: [[Int]]

        init(cells: [[Int]]) {
            let columnCount = cells.first?.count ?? 0
            var values = cells.map { $0 + [$0.reduce(0, +)] }
            var totals = Array(repeating: 0, count: columnCount + 1)
            for row in values { for (index, value) in row.enumerated() { totals[index] += value } }
            values.append(totals)
            self.values = values
        }

        var rowCount: Int { values.count }
        var columnCount: Int { values.first?.count ?? 0 }

        func published(flags: [[Bool]], rowDimension: String, rowLabels: [String], columnLabels: [String]) -> CrossTable {
            func value(_ row: Int, _ column: Int) -> PublishedCount {
                PublishedCount(flags[row][column] ? nil : values[row][column])
            }
            let lastRow = rowCount - 1
            let lastColumn = columnCount - 1
            return CrossTable(
                rowDimension: rowDimension, columnDimension: "finding", rowLabels: rowLabels, columnLabels: columnLabels,
                cells: (0..<lastRow).map { row in (0..<lastColumn).map { value(row, $0) } },
                rowTotals: (0..<lastRow).map { value($0, lastColumn) },
                columnTotals: (0..<lastColumn).map { value(lastRow, $0) },
                grandTotal: value(lastRow, lastColumn))
        }
    }

    static func isSmall(_ value: Int, _ minimumCellSize: Int) -> Bool {
        value >= 1 && value < minimumCellSize
    }

    /// Suppresses two grids whose totals rows (findings and the grand total) are the same figures.
    static func suppressSharingColumnTotals(_ first: Grid, _ second: Grid, minimumCellSize: Int) -> ([[Bool]], [[Bool]]) {
        var forced = Set<Int>()
        while true {
            let firstFlags = suppress(first, minimumCellSize: minimumCellSize, forcedTotals: forced)
            let secondFlags = suppress(second, minimumCellSize: minimumCellSize, forcedTotals: forced)
            var union = forced
            for (flags, grid) in [(firstFlags, first), (secondFlags, second)] {
                for column in 0..<grid.columnCount where flags[grid.rowCount - 1][column] { union.insert(column) }
            }
            if union == forced { return (firstFlags, secondFlags) }
            forced = union
        }
    }

    /// Suppression flags for one grid; `forcedTotals` are columns of the totals row to suppress.
    static func suppress(_ grid: Grid, minimumCellSize: Int, forcedTotals: Set<Int>) -> [[Bool]] {
        let rows = grid.rowCount
        let columns = grid.columnCount
        var flags = grid.values.map { $0.map { isSmall($0, minimumCellSize) } }
        for column in forcedTotals where column < columns { flags[rows - 1][column] = true }
        var lines: [[(Int, Int)]] = []
        for row in 0..<rows { lines.append((0..<columns).map { (row, $0) }) }
        for column in 0..<columns { lines.append((0..<rows).map { ($0, column) }) }
        var changed = true
        while changed {
            changed = false
            for line in lines where line.filter({ flags[$0.0][$0.1] }).count == 1 {
                guard let pick = complement(in: line, grid: grid, flags: flags) else { continue }
                flags[pick.0][pick.1] = true
                changed = true
            }
        }
        return flags
    }

    /// The entry to suppress beside a lone suppressed one: the smallest non-zero cell, else the
    /// line's total (its last entry), else a zero cell.
    private static func complement(in line: [(Int, Int)], grid: Grid, flags: [[Bool]]) -> (Int, Int)? {
        guard let total = line.last else { return nil }
        let openCells = line.dropLast().filter { !flags[$0.0][$0.1] }
        let value = { (entry: (Int, Int)) in grid.values[entry.0][entry.1] }
        if let smallest = openCells.filter({ value($0) > 0 }).min(by: { value($0) < value($1) }) { return smallest }
        if !flags[total.0][total.1] { return total }
        return openCells.first
    }

    /// A one-dimensional list with primary suppression, and a second entry suppressed when only one is.
    static func list(dimension: String, labels: [String], counts: [Int], minimumCellSize: Int) -> CountList {
        var flags = counts.map { isSmall($0, minimumCellSize) }
        if flags.filter({ $0 }).count == 1,
           let pick = counts.indices.filter({ !flags[$0] && counts[$0] > 0 }).min(by: { counts[$0] < counts[$1] }) {
            flags[pick] = true
        }
        return CountList(dimension: dimension, labels: labels,
                         counts: zip(counts, flags).map { PublishedCount($1 ? nil : $0) })
    }
}
