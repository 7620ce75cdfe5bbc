import ArgumentParser
import Foundation
import Policy
import RegistryCore

struct FairnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fairness",
        abstract: "Compute the disparity metrics of a decision file against a held-back audit file.",
        discussion: """
        The same computation 'registry check' applies to products with an audit block, on any two CSV files.
        Example: registry fairness --output decisions.csv --audit audit.csv --key case_id --attributes race,gender \\
                 --label needed_help --decision-column selected --selected-value 1 --selection-is adverse --json
        """
    )

    @Option(name: .long, help: "The CSV holding decisions.") var output: String
    @Option(name: .long, help: "The CSV holding held-back attributes.") var audit: String
    @Option(name: .long, help: "The join column present in both files.") var key: String
    @Option(name: .long, help: "Comma-separated protected attribute columns of the audit file.") var attributes: String
    @Option(name: .long, help: "The audit column holding true outcomes (1/0).") var label: String?
    @Option(name: .long, help: "The decision column of the output.") var decisionColumn: String
    @Option(name: .long, help: "The decision value meaning selected.") var selectedValue: String = "1"
    @Option(name: .long, help: "favourable or adverse.") var selectionIs: String = "adverse"
    @OptionGroup var global: GlobalOptions
    @OptionGroup var outputOptions: OutputOptions

    /// The audit columns of `--attributes`, with spaces around the commas allowed.
    private var attributeNames: [String] {
        attributes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func validate() throws {
        for (option, value) in [("--key", key), ("--decision-column", decisionColumn), ("--selected-value", selectedValue)]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("\(option) is empty; give the column name or value it stands for.")
        }
        let names = attributeNames
        if let repeated = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw ValidationError("--attributes names '\(repeated)' twice; list each audit column once.")
        }
        for (option, value) in [("--key", key), ("--label", label)] where value.map(names.contains) == true {
            throw ValidationError("\(option) '\(value ?? "")' is also one of --attributes; a column is the join key, the label or an attribute, not two of them.")
        }
    }

    func run() async throws {
        let report = try RegistryWorkspace.fairness(
            output: URL(fileURLWithPath: output), audit: URL(fileURLWithPath: audit), key: key,
            attributes: attributeNames, label: label,
            decisionColumn: decisionColumn, selectedValue: selectedValue, selectionIs: selectionIs,
            repository: global.repo.map { URL(fileURLWithPath: $0) })
        try outputOptions.emit(report) { DisparityText.render(report) }
    }
}

/// Disparity tables as plain text: one table per breakdown, group labels always whole.
enum DisparityText {
    static func render(_ report: DisparityReport) -> String {
        /// "-" when the metric needs labels the audit file lacks; "undefined" when its denominator is empty.
        func rate(_ value: Rate?) -> String { value.map { $0.value.displayed } ?? "-" }
        var lines = ["\(report.matchedRows) rows joined (\(report.unmatchedOutputRows) output rows and \(report.unmatchedAuditRows) audit rows unmatched); groups under \(report.minimumGroupSize) get no verdict."]
        for breakdown in report.breakdowns {
            lines.append("")
            lines.append("By \(breakdown.attributes.joined(separator: " × ")):")
            let table = TextTable(
                headers: ["GROUP", "COUNT", "SELECTED", "RATE", "DIFFERENCE", "TPR", "FPR", "VERDICT"],
                rows: breakdown.groups.map { group in
                    [group.valuesName, String(group.count), String(group.selected),
                     rate(group.selectionRate), (group.differencesToReference["selection_rate"] ?? nil).displayed,
                     rate(group.truePositiveRate), rate(group.falsePositiveRate), group.eligible ? "" : "too small"]
                },
                rightAligned: [1, 2, 3, 4, 5, 6])
            lines += table.render().split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
            if let reference = breakdown.referenceGroup { lines.append("  reference group (largest): \(breakdown.name(ofLabel: reference))") }
            let measures = breakdown.disparities
            lines.append("  favourable-outcome ratio \(measures.favourableRateRatio.displayed), demographic parity ratio \(measures.demographicParityRatio.displayed), difference \(measures.demographicParityDifference.displayed), equalized-odds difference \(measures.equalizedOddsDifference.displayed)")
        }
        return lines.joined(separator: "\n")
    }
}
