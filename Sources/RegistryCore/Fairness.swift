import Foundation
import Policy
import ProductModel
import RegistrySupport

/// What `registry fairness` computed: the disparity report and its human form.
public struct FairnessReport: Sendable {
    public var json: DisparityReport
    public var text: String
}

extension RegistryWorkspace {
    /// The disparity metrics of any decision file against any audit file, with the board's parameters
    /// when run inside a registry and the built-in defaults otherwise.
    public static func fairness(output: URL, audit: URL, key: String, attributes: [String], label: String?,
                                decisionColumn: String, selectedValue: String, selectionIs: String,
                                repository: URL?) throws -> FairnessReport {
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
        let report = try DisparityAnalysis.run(outputURL: output, auditURL: audit, spec: spec, parameters: parameters)
        return FairnessReport(json: report, text: DisparityText.render(report))
    }
}

/// Disparity tables as plain text.
enum DisparityText {
    static func render(_ report: DisparityReport) -> String {
        func rate(_ value: Rate?) -> String {
            guard let value else { return "-" }
            guard let ratio = value.value else { return "undefined" }
            return String(format: "%.3f", ratio)
        }
        var lines = ["\(report.matchedRows) rows joined (\(report.unmatchedOutputRows) output rows and \(report.unmatchedAuditRows) audit rows unmatched); groups under \(report.minimumGroupSize) get no verdict."]
        for breakdown in report.breakdowns {
            lines.append("")
            lines.append("By \(breakdown.attributes.joined(separator: " × ")):")
            lines.append("  group                               count  selected  rate    TPR     FPR")
            for group in breakdown.groups {
                let name = group.label.padding(toLength: 34, withPad: " ", startingAt: 0)
                lines.append("  \(name)  \(String(group.count).leftPad(5))  \(String(group.selected).leftPad(8))  \(rate(group.selectionRate).padding(toLength: 6, withPad: " ", startingAt: 0))  \(rate(group.truePositiveRate).padding(toLength: 6, withPad: " ", startingAt: 0))  \(rate(group.falsePositiveRate))\(group.eligible ? "" : "  (too small)")")
            }
            let measures = breakdown.disparities
            func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "undefined" }
            lines.append("  favourable-outcome ratio \(number(measures.favourableRateRatio)), demographic parity ratio \(number(measures.demographicParityRatio)), difference \(number(measures.demographicParityDifference))")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
