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
            guard case let .badAllegations(file, problems) = error else {
                Issue.record("unexpected error \(error)"); return
            }
            #expect(file == "allegations.csv" && problems == [AllegationProblem(line: 3, column: column, value: value, expected: problems[0].expected)])
            #expect(error.message.hasPrefix("allegations.csv:3: column '\(column)' has '\(value)'"))
            #expect(error.category.exitStatus == 1)
        }
    }

    @Test("every bad cell in the file is reported at once, one line each, in file order")
    func everyBadCell() throws {
        let rows = "A1,2026-13-01,Transit Police,race,stop,closed,maybe,\n"
            + "A2,2026-01-01,Transit Police,height,stop,ongoing,pending,\n"
            + "A1,2026-01-01,Outreach,age,stop,closed,unfounded,\n"
        let error = try #require(throws: CatalogError.self) {
            try AllegationsImporter.parse(csv: Array((header + rows).utf8), fileName: "a.csv")
        }
        let lines = error.message.split(separator: "\n").map(String.init)
        #expect(lines == [
            "'a.csv' has 5 bad cells; correct them and import again:",
            "  a.csv:2: column 'date_received' has '2026-13-01', but it must be a date written YYYY-MM-DD from 1990-01-01 on.",
            "  a.csv:2: column 'finding' has 'maybe', but it must be sustained, not sustained, unfounded, exonerated, pending (one of them).",
            "  a.csv:3: column 'basis' has 'height', but it must be one or more of age, disability, ethnicity, gender, nationality, race, religion, sexual orientation separated by ';'.",
            "  a.csv:3: column 'status' has 'ongoing', but it must be open or closed.",
            "  a.csv:4: column 'id' has 'A1', but it must be unique (line 2 has the same id).",
        ])
    }

    @Test("a file with many bad cells lists the first twenty and counts the rest")
    func manyBadCellsAreCapped() throws {
        let rows = (1...50).map { "A\($0),someday,Outreach,age,stop,closed,unfounded,\n" }.joined()
        let error = try #require(throws: CatalogError.self) {
            try AllegationsImporter.parse(csv: Array((header + rows).utf8), fileName: "a.csv")
        }
        let lines = error.message.split(separator: "\n")
        #expect(lines.first == "'a.csv' has 50 bad cells; correct them and import again:")
        #expect(lines.count == 22)
        #expect(lines.last == "  … and 30 more.")
    }

    @Test("a product id the registry does not hold is refused, naming the id", arguments: [
        ("station-incident-hotspots;no-such-product", "no-such-product"),
        ("retired-long-ago", "retired-long-ago"),
    ])
    func unknownProduct(cell: String, value: String) throws {
        let row = "A1,2026-01-01,Outreach,age,stop,closed,unfounded,\(cell)\n"
        let known: Set<ProductID> = [ProductID("station-incident-hotspots")!]
        let error = try #require(throws: CatalogError.self) {
            try AllegationsImporter.parse(csv: Array((header + row).utf8), fileName: "a.csv", knownProducts: known)
        }
        #expect(error.message.hasPrefix("a.csv:2: column 'product_ids' has '\(value)', but it must be the id of a product in this registry"))
    }

    @Test("a date before 1990 or after the catalog's date is refused", arguments: ["9999-12-31", "2026-12-04", "1989-12-31"])
    func dateOutOfRange(date: String) throws {
        let row = "A1,\(date),Outreach,age,stop,closed,unfounded,\n"
        let error = try #require(throws: CatalogError.self) {
            try AllegationsImporter.parse(csv: Array((header + row).utf8), fileName: "a.csv",
                                          latestDate: CalendarDate(year: 2026, month: 12, day: 3))
        }
        #expect(error.message.hasPrefix("a.csv:2: column 'date_received' has '\(date)', but it must be a date written YYYY-MM-DD from 1990-01-01 to 2026-12-03"))
    }

    @Test("the first and last days of the allowed range are accepted")
    func dateRangeEnds() throws {
        let rows = "A1,1990-01-01,Outreach,age,stop,closed,unfounded,\nA2,2026-12-03,Outreach,age,stop,closed,unfounded,\n"
        let allegations = try AllegationsImporter.parse(csv: Array((header + rows).utf8), fileName: "a.csv",
                                                        latestDate: CalendarDate(year: 2026, month: 12, day: 3))
        #expect(allegations.count == 2)
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
