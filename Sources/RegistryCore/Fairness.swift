import Foundation
import Policy
import ProductModel
import RegistrySupport

extension RegistryWorkspace {
    /// The disparity metrics of any decision file against any audit file, with the board's parameters
    /// when run inside a registry and the built-in defaults otherwise.
    public static func fairness(output: URL, audit: URL, key: String, attributes: [String], label: String?,
                                decisionColumn: String, selectedValue: String, selectionIs: String,
                                repository: URL?) throws -> DisparityReport {
        guard let polarity = OutcomePolarity(rawValue: selectionIs) else {
            throw CoreError.invalidArgument("--selection-is must be 'favourable' or 'adverse', not '\(selectionIs)'.")
        }
        guard !attributes.isEmpty else {
            throw CoreError.invalidArgument("--attributes needs at least one audit column, for example --attributes race_ethnicity,gender.")
        }
        var parameters = PolicyParameters.defaults
        let start = repository ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        if let workspace = try? RegistryWorkspace.open(from: start, explicit: repository != nil),
           let head = try? workspace.repository.head() {
            parameters = try workspace.policyParameters(at: head)
        }
        let spec = AuditSpec(file: audit.lastPathComponent, key: key, attributes: attributes, labelColumn: label,
                             output: output.lastPathComponent, decisionColumn: decisionColumn,
                             selectedValue: selectedValue, selectionIs: polarity)
        return try DisparityAnalysis.run(outputURL: output, auditURL: audit, spec: spec, parameters: parameters)
    }
}
