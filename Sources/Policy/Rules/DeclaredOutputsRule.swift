import ProductModel

/// The run wrote exactly the declared output files, with the declared columns, in order, of the declared types.
public struct DeclaredOutputsRule: PolicyRule {
    public init() {}

    public static let description = RuleDescription(
        id: "declared-outputs",
        summary: "Each declared output exists and has exactly its declared columns, in order, with values of the declared types.",
        rationale: "The Public Safety Analytics Policy requires accountability for how data is used; the board approves outputs as declared, so an output that differs is data use nobody reviewed.",
        policies: [.publicSafetyAnalytics],
        triggeringExamples: [
            RuleExample("declared output not written", outputs: [:]),
            RuleExample("extra column", outputs: ["hotspots.csv": "station,week,incidents,line\nCentral,2026-11-16,14,Red\n"]),
            RuleExample("columns out of order", outputs: ["hotspots.csv": "week,station,incidents\n2026-11-16,Central,14\n"]),
            RuleExample("count that is not an integer", outputs: ["hotspots.csv": "station,week,incidents\nCentral,2026-11-16,many\n"]),
            RuleExample("date in the wrong form", outputs: ["hotspots.csv": "station,week,incidents\nCentral,11/16/2026,14\n"]),
            RuleExample("JSON lines row with an undeclared key", manifest: jsonLinesManifest,
                        outputs: ["hotspots.jsonl": "{\"station\":\"Central\",\"week\":\"2026-11-16\",\"incidents\":14,\"officer\":\"Lee\"}\n"]),
            RuleExample("JSON lines row without a declared key", manifest: jsonLinesManifest,
                        outputs: ["hotspots.jsonl": "{\"station\":\"Central\",\"week\":\"2026-11-16\",\"incidents\":14}\n{\"station\":\"Harbor\",\"incidents\":12}\n"]),
        ],
        nonTriggeringExamples: [
            RuleExample("declared columns and types"),
            RuleExample("missing values are allowed", outputs: ["hotspots.csv": "station,week,incidents\nCentral,2026-11-16,\n"]),
            RuleExample("JSON lines output, keys in any order, null for no value", manifest: jsonLinesManifest,
                        outputs: ["hotspots.jsonl": "{\"week\":\"2026-11-16\",\"station\":\"Central\",\"incidents\":14}\n{\"station\":\"Harbor\",\"week\":\"2026-11-16\",\"incidents\":null}\n"]),
        ])

    public func findings(in context: RuleContext) -> [Finding] {
        guard let run = context.run else { return [] }
        var findings: [Finding] = []
        for output in context.manifest.outputs {
            guard let url = run.outputs[output.name] else {
                findings.append(finding(.error, "The run did not write the declared output '\(output.name)'; make the product write /output/\(output.name) or remove it from 'outputs'.",
                                        in: context, file: output.name))
                continue
            }
            let declared = output.columns.map(\.name)
            var badValues: [Int: (count: Int, row: Int, value: String)] = [:]
            let layout: OutputRows.Layout
            do {
                layout = try OutputRows.read(url, output: output) { row, fields in
                    for (index, column) in output.columns.enumerated() where index < fields.count {
                        guard !ValueShapes.parses(fields[index], as: column.type) else { continue }
                        let first = badValues[index] ?? (0, row, fields[index])
                        badValues[index] = (first.count + 1, first.row, first.value)
                    }
                }
            } catch {
                findings.append(finding(.error, error.message, in: context, file: output.name))
                continue
            }
            let header = layout.header
            for (column, missing) in layout.missingKeys.sorted(by: { ($0.value.firstRow, $0.key) < ($1.value.firstRow, $1.key) }) {
                findings.append(finding(.error, "Output '\(output.name)' has \(missing.rows) row(s) without the declared key '\(column)', the first on row \(missing.firstRow); write every declared key in every row (null when there is no value), or update 'outputs[].columns' for review.",
                                        in: context, file: output.name, column: column, row: missing.firstRow,
                                        numbers: ["rows_missing_key": Double(missing.rows)]))
            }
            if header != declared {
                let extra = header.filter { !declared.contains($0) }
                let missing = declared.filter { !header.contains($0) }
                let problem: String
                if !extra.isEmpty || !missing.isEmpty {
                    problem = [extra.isEmpty ? nil : "undeclared columns \(quoted(extra))", missing.isEmpty ? nil : "missing columns \(quoted(missing))"]
                        .compactMap { $0 }.joined(separator: " and ")
                } else {
                    problem = "the columns in the order \(quoted(header))"
                }
                findings.append(finding(.error, "Output '\(output.name)' has \(problem) but the manifest declares \(quoted(declared)); write exactly the declared columns in that order, or update 'outputs[].columns' for review.",
                                        in: context, file: output.name))
                continue
            }
            for (index, bad) in badValues.sorted(by: { $0.key < $1.key }) {
                let column = output.columns[index]
                findings.append(finding(.error, "Output '\(output.name)' column '\(column.name)' is declared \(column.type.rawValue) but \(bad.count) value(s) are not, the first '\(bad.value)' on row \(bad.row); write \(Self.form(of: column.type)) or change the declared type.",
                                        in: context, file: output.name, column: column.name, row: bad.row, numbers: ["invalid_values": Double(bad.count)]))
            }
        }
        return findings
    }

    /// The clean product with its output written as JSON lines.
    static let jsonLinesManifest = RuleExample.cleanManifest.with { $0.outputs[0].name = "hotspots.jsonl"; $0.outputs[0].format = .jsonLines }

    private func quoted(_ names: [String]) -> String {
        names.map { "'\($0)'" }.joined(separator: ", ")
    }

    private static func form(of type: ColumnType) -> String {
        switch type {
        case .string: "text"
        case .integer: "whole numbers such as 12"
        case .number: "decimal numbers such as 0.25"
        case .boolean: "true or false"
        case .date: "dates written YYYY-MM-DD"
        }
    }
}
