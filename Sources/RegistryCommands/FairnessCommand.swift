import ArgumentParser
import Foundation
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

    func run() async throws {
        let report = try RegistryWorkspace.fairness(
            output: URL(fileURLWithPath: output), audit: URL(fileURLWithPath: audit), key: key,
            attributes: attributes.split(separator: ",").map(String.init), label: label,
            decisionColumn: decisionColumn, selectedValue: selectedValue, selectionIs: selectionIs,
            repository: global.repo.map { URL(fileURLWithPath: $0) })
        try outputOptions.emit(report.json) { report.text }
    }
}
