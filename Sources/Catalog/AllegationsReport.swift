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

/// Counts by one dimension, after suppression.
public struct CountList: Sendable, Hashable, Codable {
    /// What the counts are grouped by (`basis`, `product`, `responding_service`).
    public var dimension: String
    /// The group labels, in order.
    public var labels: [String]
    /// One count per label.
    public var counts: [PublishedCount]
    /// The sum of the counts, only where they add up (a year's allegations by responding service);
    /// absent for bases and products, which an allegation may name several of.
    public var total: PublishedCount?
}

/// One year's allegations (`allegations` in `reports/<year>.json`), suppressed together with the
/// allegations page and every other year.
public struct YearAllegations: Sendable, Hashable, Codable {
    /// Counts from 1 to this minus one are suppressed.
    public var minimumCellSize: Int
    /// The allegations page's rows for the year's quarters; the column totals are the year's
    /// counts by finding and the grand total the year's allegations.
    public var byQuarterAndFinding: CrossTable
    /// The year's allegations by responding service, with the year's total.
    public var byService: CountList
    /// The year's allegations naming each basis (an allegation may name several).
    public var byBasis: CountList
    /// The year's allegations linked to each product (an allegation may name several, or none).
    public var byProduct: CountList

    enum CodingKeys: String, CodingKey {
        case minimumCellSize = "minimum_cell_size", byQuarterAndFinding = "by_quarter_and_finding"
        case byService = "by_service", byBasis = "by_basis", byProduct = "by_product"
    }
}

/// The published allegations report: counts only, small cells suppressed.
///
/// The page's tables and every year's tables (``years``, published in the annual reports) are
/// suppressed in one pass by ``LinkedCounts``: counts from 1 to `minimumCellSize - 1` are
/// suppressed, then wherever a sum that anyone can form from the published tables (a row or
/// column with its total, the years adding up to the page's figures) has exactly one suppressed
/// member, a second one is suppressed, until nothing changes.
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

    /// Each year's tables, suppressed together with the page's; published in the annual reports,
    /// not in `allegations.json`.
    public var years: [Int: YearAllegations] = [:]

    /// The total number of allegations as published (`nil` when suppressed).
    public var total: PublishedCount { byQuarterAndFinding.grandTotal }

    /// A year's tables; a year without allegations has every count 0.
    public func year(_ year: Int) -> YearAllegations {
        if let tables = years[year] { return tables }
        let zeros = { (labels: [String], dimension: String, total: PublishedCount?) in
            CountList(dimension: dimension, labels: labels, counts: labels.map { _ in PublishedCount(0) }, total: total)
        }
        let findings = byQuarterAndFinding.columnLabels
        return YearAllegations(
            minimumCellSize: minimumCellSize,
            byQuarterAndFinding: CrossTable(rowDimension: "quarter", columnDimension: "finding", rowLabels: [], columnLabels: findings,
                                            cells: [], rowTotals: [], columnTotals: findings.map { _ in PublishedCount(0) },
                                            grandTotal: PublishedCount(0)),
            byService: zeros(byServiceAndFinding.rowLabels, "responding_service", PublishedCount(0)),
            byBasis: zeros(byBasis.labels, "basis", nil), byProduct: zeros(byProduct.labels, "product", nil))
    }

    /// The published count for one product, if any allegation names it.
    public func count(forProduct id: String) -> PublishedCount? {
        byProduct.labels.firstIndex(of: id).map { byProduct.counts[$0] }
    }

    /// Aggregates allegations into the page's tables and every year's, and suppresses them together.
    public static func aggregate(_ allegations: [Allegation], minimumCellSize: Int = 11) -> AllegationsReport {
        let findings = AllegationFinding.allCases.map(\.rawValue)
        let quarters = allQuarters(between: allegations.map(\.dateReceived))
        let services = Set(allegations.map(\.respondingService)).sorted()
        let bases = AllegationBasis.allCases.map(\.rawValue)
        let products = Set(allegations.flatMap { $0.productIDs.map(\.rawValue) }).sorted()
        let years = Array(Set(allegations.map(\.dateReceived.year))).sorted()
        let index = { (labels: [String]) in Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) }) }
        let (quarterIndex, serviceIndex, findingIndex) = (index(quarters), index(services), index(findings))
        let (basisIndex, productIndex, yearIndex) = (index(bases), index(products), index(years.map(String.init)))

        // The finest counts: quarter × service × finding, and per year the bases and products named.
        var cube = Array(repeating: Array(repeating: Array(repeating: 0, count: findings.count), count: services.count),
                         count: quarters.count)
        var yearBasis = Array(repeating: Array(repeating: 0, count: bases.count), count: years.count)
        var yearProduct = Array(repeating: Array(repeating: 0, count: products.count), count: years.count)
        for allegation in allegations {
            guard let q = quarterIndex[allegation.quarter], let s = serviceIndex[allegation.respondingService],
                  let f = findingIndex[allegation.finding.rawValue], let y = yearIndex[String(allegation.dateReceived.year)]
            else { continue }
            cube[q][s][f] += 1
            for basis in allegation.basis { yearBasis[y][basisIndex[basis.rawValue]!] += 1 }
            for product in allegation.productIDs { yearProduct[y][productIndex[product.rawValue]!] += 1 }
        }
        let quartersOf = years.map { year in quarters.indices.filter { quarters[$0].hasPrefix("\(year)-") } }
        func sum(_ value: (Int, Int, Int) -> Bool) -> Int {
            var total = 0
            for q in quarters.indices { for s in services.indices { for f in findings.indices where value(q, s, f) { total += cube[q][s][f] } } }
            return total
        }

        // Every published count once, and every sum an attacker can form from them.
        var linked = LinkedCounts()
        let quarterCell = quarters.indices.map { q in findings.indices.map { f in linked.count(sum { q2, _, f2 in q2 == q && f2 == f }) } }
        let quarterTotal = quarters.indices.map { q in linked.count(sum { q2, _, _ in q2 == q }) }
        let serviceCell = services.indices.map { s in findings.indices.map { f in linked.count(sum { _, s2, f2 in s2 == s && f2 == f }) } }
        let serviceTotal = services.indices.map { s in linked.count(sum { _, s2, _ in s2 == s }) }
        let findingTotal = findings.indices.map { f in linked.count(sum { _, _, f2 in f2 == f }) }
        let grandTotal = linked.count(allegations.count)
        let yearFinding = quartersOf.map { own in findings.indices.map { f in linked.count(sum { q, _, f2 in own.contains(q) && f2 == f }) } }
        let yearTotal = quartersOf.map { own in linked.count(sum { q, _, _ in own.contains(q) }) }
        let yearService = quartersOf.map { own in services.indices.map { s in linked.count(sum { q, s2, _ in own.contains(q) && s2 == s }) } }
        let basisCell = yearBasis.map { $0.map { linked.count($0) } }
        let basisTotal = bases.indices.map { b in linked.count(yearBasis.map { $0[b] }.reduce(0, +)) }
        let productCell = yearProduct.map { $0.map { linked.count($0) } }
        let productTotal = products.indices.map { p in linked.count(yearProduct.map { $0[p] }.reduce(0, +)) }

        for q in quarters.indices { linked.sum(quarterTotal[q], quarterCell[q]) }
        for s in services.indices { linked.sum(serviceTotal[s], serviceCell[s]) }
        for f in findings.indices {
            linked.sum(findingTotal[f], quarters.indices.map { quarterCell[$0][f] })
            linked.sum(findingTotal[f], services.indices.map { serviceCell[$0][f] })
            linked.sum(findingTotal[f], years.indices.map { yearFinding[$0][f] })
        }
        linked.sum(grandTotal, findingTotal)
        linked.sum(grandTotal, quarterTotal)
        linked.sum(grandTotal, serviceTotal)
        linked.sum(grandTotal, yearTotal)
        for y in years.indices {
            for f in findings.indices { linked.sum(yearFinding[y][f], quartersOf[y].map { quarterCell[$0][f] }) }
            linked.sum(yearTotal[y], yearFinding[y])
            linked.sum(yearTotal[y], quartersOf[y].map { quarterTotal[$0] })
            linked.sum(yearTotal[y], yearService[y])
        }
        for s in services.indices { linked.sum(serviceTotal[s], years.indices.map { yearService[$0][s] }) }
        // Bases and products: the years add up to the page's counts. Within a year (or on the page)
        // they do not add up to the total, yet they bound it, so they are treated as if they did.
        for (cells, totals) in [(basisCell, basisTotal), (productCell, productTotal)] {
            for column in totals.indices { linked.sum(totals[column], years.indices.map { cells[$0][column] }) }
            for y in years.indices { linked.sum(yearTotal[y], cells[y]) }
            linked.sum(grandTotal, totals)
        }

        let published = linked.published(minimumCellSize: minimumCellSize)
        func cross(_ rows: [String], _ cells: [[Int]], _ rowTotals: [Int], _ columnTotals: [Int], _ total: Int,
                   dimension: String) -> CrossTable {
            CrossTable(rowDimension: dimension, columnDimension: "finding", rowLabels: rows, columnLabels: findings,
                       cells: cells.map { $0.map { published[$0] } }, rowTotals: rowTotals.map { published[$0] },
                       columnTotals: columnTotals.map { published[$0] }, grandTotal: published[total])
        }
        func list(_ dimension: String, _ labels: [String], _ counts: [Int], total: Int? = nil) -> CountList {
            CountList(dimension: dimension, labels: labels, counts: counts.map { published[$0] }, total: total.map { published[$0] })
        }
        var report = AllegationsReport(
            minimumCellSize: minimumCellSize, firstQuarter: quarters.first, lastQuarter: quarters.last,
            byQuarterAndFinding: cross(quarters, quarterCell, quarterTotal, findingTotal, grandTotal, dimension: "quarter"),
            byServiceAndFinding: cross(services, serviceCell, serviceTotal, findingTotal, grandTotal, dimension: "responding_service"),
            byBasis: list("basis", bases, basisTotal), byProduct: list("product", products, productTotal))
        for (y, year) in years.enumerated() {
            let own = quartersOf[y]
            report.years[year] = YearAllegations(
                minimumCellSize: minimumCellSize,
                byQuarterAndFinding: cross(own.map { quarters[$0] }, own.map { quarterCell[$0] }, own.map { quarterTotal[$0] },
                                           yearFinding[y], yearTotal[y], dimension: "quarter"),
                byService: list("responding_service", services, yearService[y], total: yearTotal[y]),
                byBasis: list("basis", bases, basisCell[y]), byProduct: list("product", products, productCell[y]))
        }
        return report
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

/// Counts to publish that are linked by sums, suppressed together (primary and complementary
/// suppression over every table at once).
///
/// Counts from 1 to `minimumCellSize - 1` are suppressed. A sum with exactly one suppressed member
/// (its total or one of its parts) would give that member away by subtraction, so a second member
/// is suppressed: the smallest non-zero part still shown, else the total, else a zero part. The
/// loop runs over every sum until nothing changes, so a count suppressed to protect one table is
/// protected in every other table it appears in.
struct LinkedCounts {
    /// The true value of each count, by position.
    private(set) var values: [Int] = []
    /// Each sum: the position of its total and of its parts.
    private(set) var sums: [(total: Int, parts: [Int])] = []

    /// Adds a count to publish and returns its position.
    mutating func count(_ value: Int) -> Int {
        values.append(value)
        return values.count - 1
    }

    /// Records that the count at `total` is the sum of the counts at `parts` (or is treated as such).
    mutating func sum(_ total: Int, _ parts: [Int]) {
        sums.append((total, parts))
    }

    /// Whether each count is suppressed.
    func suppressed(minimumCellSize: Int) -> [Bool] {
        var hidden = values.map { $0 >= 1 && $0 < minimumCellSize }
        var changed = true
        while changed {
            changed = false
            for (total, parts) in sums where ([total] + parts).filter({ hidden[$0] }).count == 1 {
                let open = parts.filter { !hidden[$0] }
                let pick = open.filter { values[$0] > 0 }.min { values[$0] < values[$1] }
                    ?? (hidden[total] ? open.first : Optional(total))
                guard let pick else { continue }
                hidden[pick] = true
                changed = true
            }
        }
        return hidden
    }

    /// Each count as published.
    func published(minimumCellSize: Int) -> [PublishedCount] {
        zip(values, suppressed(minimumCellSize: minimumCellSize)).map { PublishedCount($1 ? nil : $0) }
    }
}
