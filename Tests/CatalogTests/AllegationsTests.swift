import Catalog
import Foundation
import ProductModel
import Testing
import TestSupport

@Suite("Allegations import and report")
struct AllegationsTests {
    let header = "id,date_received,responding_service,basis,action_type,status,finding,product_ids\n"

    @Test("the demo file imports: 300 rows linked to the three example products")
    func demoImports() throws {
        let allegations = try CatalogFixtures.demoAllegations()
        #expect(allegations.count == 300)
        let products = Set(allegations.flatMap(\.productIDs).map(\.rawValue))
        #expect(products == ["station-incident-hotspots", "fare-inspection-allocation", "calls-for-service-triage"])
    }

    @Test("a bad cell is reported with file, line, column and value", arguments: [
        ("A1,2026-13-01,Transit Police,race,stop,closed,unfounded,", "date_received", "2026-13-01"),
        ("A1,2026-01-01,Transit Police,race;height,stop,closed,unfounded,", "basis", "race;height"),
        ("A1,2026-01-01,Transit Police,race,stop,closed,maybe,", "finding", "maybe"),
        ("A1,2026-01-01,Transit Police,race,stop,ongoing,pending,", "status", "ongoing"),
        ("A1,2026-01-01,Transit Police,race,stop,closed,unfounded,Bad_Id", "product_ids", "Bad_Id"),
    ])
    func badCell(row: String, column: String, value: String) throws {
        let bytes = Array((header + "A0,2026-01-01,Outreach,age,stop,closed,unfounded,\n" + row + "\n").utf8)
        do {
            _ = try AllegationsImporter.parse(csv: bytes, fileName: "allegations.csv")
            Issue.record("a bad \(column) was accepted")
        } catch {
            guard case let .badAllegation(file, line, badColumn, badValue, _) = error else {
                Issue.record("unexpected error \(error)"); return
            }
            #expect(file == "allegations.csv" && line == 3 && badColumn == column && badValue == value)
            #expect(error.message.contains("allegations.csv:3: column '\(column)' has '\(value)'"))
        }
    }

    @Test("an unknown column such as free-text notes is refused, not silently published")
    func unknownColumn() {
        let bytes = Array("id,date_received,responding_service,basis,action_type,status,finding,product_ids,notes\n".utf8)
        #expect(throws: CatalogError.self) { try AllegationsImporter.parse(csv: bytes, fileName: "a.csv") }
    }

    @Test("quoted cells, CRLF line ends and a byte-order mark are read")
    func quoting() throws {
        let text = "\u{FEFF}" + header.replacingOccurrences(of: "\n", with: "\r\n")
            + "A1,2026-02-03,\"Transit Police, North\",\"race; gender\",stop,closed,Not Sustained,\"station-incident-hotspots;fare-inspection-allocation\"\r\n"
        let allegations = try AllegationsImporter.parse(csv: Array(text.utf8), fileName: "a.csv")
        #expect(allegations.count == 1)
        #expect(allegations[0].respondingService == "Transit Police, North")
        #expect(allegations[0].basis == [.gender, .race])
        #expect(allegations[0].finding == .notSustained)
        #expect(allegations[0].quarter == "2026-Q1")
        #expect(allegations[0].productIDs.count == 2)
    }

    /// Every line (row or column, totals included) of a cross table has no suppressed entry or at least two.
    func expectNoLoneSuppression(_ table: CrossTable, minimum: Int) {
        var grid = zip(table.cells, table.rowTotals).map { $0 + [$1] }
        grid.append(table.columnTotals + [table.grandTotal])
        for row in grid {
            #expect(row.filter(\.suppressed).count != 1, "a row has one suppressed cell: \(row)")
        }
        for column in 0..<(grid.first?.count ?? 0) {
            #expect(grid.map { $0[column] }.filter(\.suppressed).count != 1, "a column has one suppressed cell")
        }
        for count in grid.flatMap({ $0 }).compactMap(\.count) {
            #expect(count == 0 || count >= minimum, "a small count \(count) is published")
        }
    }

    /// Random allegations over few services and quarters, so small cells are common.
    func randomAllegations(seed: UInt64, count: Int) -> [Allegation] {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let services = ["Transit Police", "Fare Inspection", "Outreach"]
        let products = ["station-incident-hotspots", "fare-inspection-allocation", "calls-for-service-triage"].compactMap(ProductID.init)
        return (0..<count).map { index in
            Allegation(id: "R\(index)", dateReceived: CalendarDate(year: 2025 + next(2), month: 1 + next(12), day: 1 + next(28)),
                       respondingService: services[next(services.count)],
                       basis: [AllegationBasis.allCases[next(AllegationBasis.allCases.count)]], actionType: "stop",
                       status: .closed, finding: AllegationFinding.allCases[next(AllegationFinding.allCases.count)],
                       productIDs: next(3) == 0 ? [] : [products[next(products.count)]])
        }
    }

    @Test("no count from 1 to the minimum minus one is published, nor recoverable by subtraction from totals",
          arguments: [(1, 40), (2, 120), (3, 300), (4, 700), (5, 15)])
    func suppression(seed: UInt64, count: Int) {
        let minimum = 11
        let report = AllegationsReport.aggregate(randomAllegations(seed: seed, count: count), minimumCellSize: minimum)
        expectNoLoneSuppression(report.byQuarterAndFinding, minimum: minimum)
        expectNoLoneSuppression(report.byServiceAndFinding, minimum: minimum)
        // Finding totals and the grand total are the same figures in both tables: suppressed alike.
        #expect(report.byQuarterAndFinding.columnTotals == report.byServiceAndFinding.columnTotals)
        #expect(report.byQuarterAndFinding.grandTotal == report.byServiceAndFinding.grandTotal)
        for list in [report.byBasis, report.byProduct] {
            #expect(list.counts.filter(\.suppressed).count != 1)
            for value in list.counts.compactMap(\.count) { #expect(value == 0 || value >= minimum) }
        }
    }

    @Test("published counts are the true counts where shown")
    func countsAreTrue() throws {
        let allegations = try CatalogFixtures.demoAllegations()
        let report = AllegationsReport.aggregate(allegations, minimumCellSize: 11)
        #expect(report.total.count == 300)
        let table = report.byQuarterAndFinding
        for (row, quarter) in table.rowLabels.enumerated() {
            for (column, finding) in table.columnLabels.enumerated() {
                guard let shown = table.cells[row][column].count else { continue }
                #expect(shown == allegations.filter { $0.quarter == quarter && $0.finding.rawValue == finding }.count)
            }
        }
        #expect(report.count(forProduct: "fare-inspection-allocation")?.count
                == allegations.filter { $0.productIDs.map(\.rawValue).contains("fare-inspection-allocation") }.count)
    }

    @Test("the published report holds no record ids, no free text and no dates finer than a quarter")
    func nothingIdentifying() throws {
        let allegations = try CatalogFixtures.demoAllegations()
        let site = try makeTemporaryDirectory("catalog-allegations")
        defer { site.remove() }
        try CatalogBuilder.build(CatalogFixtures.input(), allegations: AllegationsReport.aggregate(allegations), to: site.url)
        for file in ["allegations.json", "allegations.html", "es/allegations.html", "index.html"] {
            let content = text(try Data(contentsOf: site.url.appendingPathComponent(file)))
            #expect(!content.contains("ALG-0"), "\(file) publishes record ids")
            #expect(content.range(of: #"20[0-9]{2}-[01][0-9]-[0-3][0-9]"#, options: .regularExpression) == nil
                    || file == "index.html", "\(file) publishes a day")
            for action in ["citation", "ejection", "arrest"] { #expect(!content.contains(action), "\(file) publishes action types") }
        }
    }
}
