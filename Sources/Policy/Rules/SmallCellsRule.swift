import ProductModel

/// Aggregate outputs suppress small counts, and no suppressed count can be recovered from a total.
public struct SmallCellsRule: PolicyRule {
    public init() {}

    /// Dimension values that mark a row as a total over that dimension.
    static let totalMarkers: Set<String> = ["total", "all", "overall", "any"]

    public static let description = RuleDescription(
        id: "small-cells",
        summary: "Aggregate outputs suppress counts from 1 to the minimum cell size minus one, including counts recoverable by subtraction from a total.",
        rationale: "The Public Safety Analytics Policy requires a public dashboard that reveals no individual; a count of a few people, or one recoverable from a total, can identify them.",
        policies: [.publicSafetyAnalytics],
        triggeringExamples: [
            RuleExample("a count of 4", outputs: ["hotspots.csv": "station,week,incidents\nCentral,2026-11-16,4\n"]),
            RuleExample("a suppressed cell recoverable from the total",
                        outputs: ["hotspots.csv": "station,week,incidents\nCentral,2026-11-16,20\nHarbor,2026-11-16,\nPark,2026-11-16,15\nTotal,2026-11-16,38\n"]),
            RuleExample("a count of 4 in JSON lines beside an undeclared key", manifest: DeclaredOutputsRule.jsonLinesManifest,
                        outputs: ["hotspots.jsonl": "{\"station\":\"Central\",\"week\":\"2026-11-16\",\"incidents\":4,\"line\":\"Red\"}\n"]),
            RuleExample("a count of 4 in JSON lines rows that leave out a dimension", manifest: DeclaredOutputsRule.jsonLinesManifest,
                        outputs: ["hotspots.jsonl": "{\"station\":\"Central\",\"incidents\":20}\n{\"station\":\"Harbor\",\"incidents\":4}\n"]),
            RuleExample("aggregate output without a count column",
                        manifest: RuleExample.cleanManifest.with { $0.outputs[0].countColumn = nil }),
        ],
        nonTriggeringExamples: [
            RuleExample("counts of zero and at least the minimum"),
            RuleExample("two suppressed cells under one total",
                        outputs: ["hotspots.csv": "station,week,incidents\nCentral,2026-11-16,20\nHarbor,2026-11-16,\nPark,2026-11-16,\nTotal,2026-11-16,38\n"]),
            RuleExample("a suppressed cell with no total", outputs: ["hotspots.csv": "station,week,incidents\nCentral,2026-11-16,20\nHarbor,2026-11-16,\n"]),
        ])

    public func findings(in context: RuleContext) -> [Finding] {
        guard let run = context.run else { return [] }
        let minimum = context.parameters.minimumCellSize
        var findings: [Finding] = []
        for output in context.manifest.outputs where output.level == .aggregate {
            guard let countColumn = output.countColumn else {
                // Hours or rates are not counts of people; only a warning asks the analyst to say so.
                findings.append(finding(.warning, "Aggregate output '\(output.name)' names no 'count_column', so no small cell in it is checked; if a column counts people or events, set 'count_column' to it.",
                                        in: context, file: output.name))
                continue
            }
            guard let url = run.outputs[output.name],
                  let table = try? OutputRows.table(url, output: output),
                  let countIndex = table.header.firstIndex(of: countColumn) else { continue }
            let counts: [Int?] = table.rows.map { Int($0[countIndex]) }
            for (offset, count) in counts.enumerated() {
                guard let count, (1..<minimum).contains(count) else { continue }
                findings.append(finding(.error, "Output '\(output.name)' row \(offset + 1) has a count of \(count) in '\(countColumn)', below the minimum cell size of \(minimum); suppress it (leave it empty) or combine it with neighbouring groups.",
                                        in: context, file: output.name, column: countColumn, row: offset + 1,
                                        numbers: ["count": Double(count), "minimum_cell_size": Double(minimum)]))
            }
            findings += complementaryDisclosures(in: table, countIndex: countIndex, counts: counts, output: output, context: context)
        }
        return findings
    }

    /// Suppressed cells that equal a total minus the other cells it sums.
    private func complementaryDisclosures(in table: (header: [String], rows: [[String]]), countIndex: Int, counts: [Int?],
                                          output: ProductOutput, context: RuleContext) -> [Finding] {
        let numberColumns = Set(output.columns.filter { $0.type == .number }.map(\.name))
        let dimensions = table.header.indices.filter { $0 != countIndex && !numberColumns.contains(table.header[$0]) }
        var findings: [Finding] = []
        var reported = Set<Int>()
        for dimension in dimensions {
            var margins: [[String]: (total: Int?, cells: [Int])] = [:]
            for (row, fields) in table.rows.enumerated() {
                let key = dimensions.filter { $0 != dimension }.map { fields[$0] }
                if Self.totalMarkers.contains(fields[dimension].lowercased()) {
                    margins[key, default: (nil, [])].total = counts[row]
                } else {
                    margins[key, default: (nil, [])].cells.append(row)
                }
            }
            for margin in margins.values {
                guard let total = margin.total else { continue }
                let suppressed = margin.cells.filter { counts[$0] == nil }
                guard suppressed.count == 1, let row = suppressed.first, !reported.contains(row) else { continue }
                let recovered = total - margin.cells.compactMap { counts[$0] }.reduce(0, +)
                reported.insert(row)
                findings.append(finding(.error, "Output '\(output.name)' row \(row + 1) suppresses its count, but it can be recovered as \(recovered) by subtracting the other '\(table.header[dimension])' cells from the total; suppress at least one more cell under that total, or remove the total.",
                                        in: context, file: output.name, column: table.header[countIndex], row: row + 1,
                                        numbers: ["recovered_count": Double(recovered), "total": Double(total)]))
            }
        }
        return findings
    }
}
