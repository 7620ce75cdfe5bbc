import ArgumentParser
import Foundation
import RegistryCore

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run products in the sandbox and apply every policy rule; results are cached by content.",
        discussion: """
        Examples:
          registry check --all
          registry check fare-inspection-allocation --no-cache --json
          registry check --list-rules
          registry check --shard 2/4 --json > shard-2.json      (on each of 4 CI runners)
          registry check --merge shard-*.json                    (one verdict)
        """
    )

    @Argument(help: "Product ids to check.")
    var ids: [String] = []
    @Flag(name: .long, help: "Check every product (the default when no ids are given).")
    var all = false
    @Option(name: .long, help: "How many products to check at once (default: one per core).")
    var jobs: Int?
    @Flag(name: .long, help: "Run every product again even if an identical check is cached.")
    var noCache = false
    @Flag(name: .long, help: "Print the policy rules and exit.")
    var listRules = false
    @Option(name: .long, help: "Check as committed at this revision (default: HEAD); with --merge, the commit the shards must have checked.")
    var at: String?
    @Option(name: .long, help: "Check only share K of N (K/N), for splitting checks across CI runners.")
    var shard: String?
    @Option(name: .long, parsing: .upToNextOption, help: "Combine the --json results of shards into one verdict instead of checking.")
    var merge: [String] = []
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, not \(jobs).") }
        if all && !ids.isEmpty { throw ValidationError("Give product ids or --all, not both.") }
        if !merge.isEmpty && (shard != nil || !ids.isEmpty) {
            throw ValidationError("--merge combines results already made; give it no product ids and no --shard.")
        }
    }

    func run() async throws {
        if listRules {
            let rules = RegistryWorkspace.policyRules()
            try output.emit(rules) {
                rules.map { "\($0.id.padding(toLength: 28, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n")
            }
            return
        }
        let registry = try await global.openRegistry()
        let report: CheckReport
        if !merge.isEmpty {
            report = try registry.mergeCheckResults(merge.map { URL(fileURLWithPath: $0) }, at: at)
        } else {
            let progress = CheckProgressDisplay(enabled: !output.json)
            report = try await registry.check(
                ids: ids, at: at, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                useCache: !noCache, shard: try shard.map(CheckShard.init(parsing:)), progress: { event in progress.show(event) })
            progress.finish()
        }
        try output.emitStyled(report) { CheckReportText.render(report, terminal: .standardOutput) }
        if !report.passed { throw FindingsExit() }
    }
}

/// A one-line progress display on a terminal's standard error, silent otherwise.
final class CheckProgressDisplay: Sendable {
    private let enabled: Bool

    init(enabled: Bool) {
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    func show(_ event: CheckProgress) {
        guard enabled else { return }
        let line = "\r\u{1B}[2K[\(event.completed)/\(event.total)] \(event.productID) \(event.cached ? "(cached)" : "")"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}

/// The human form of a check report: findings grouped by product, then one summary line.
enum CheckReportText {
    /// The report as lines styled for `terminal`; every text from a product or a shard file is made visible.
    static func render(_ report: CheckReport, terminal: Terminal) -> String {
        var lines: [String] = []
        for product in report.products {
            let verdict = product.passed ? terminal.styled("PASS", .green) : terminal.styled("FAIL", .red)
            lines.append("\(verdict) \(terminal.styled(Terminal.visible(product.id), .bold))\(product.cached ? terminal.styled(" (cached)", .dim) : "")")
            for finding in product.findings {
                let severity: String
                switch finding.severity {
                case .error: severity = terminal.styled("error", .red)
                case .warning: severity = terminal.styled("warning", .yellow)
                case .note: severity = terminal.styled("note", .dim)
                }
                var place = [finding.location.file, finding.location.column.map { "column \($0)" },
                             finding.location.row.map { "row \($0)" }, finding.location.group]
                    .compactMap { $0 }.joined(separator: ", ")
                if !place.isEmpty { place = " [\(place)]" }
                lines.append("  \(severity) \(Terminal.visible("\(finding.rule)\(place): \(finding.message)"))")
            }
        }
        let failed = report.products.filter { !$0.passed }.count
        lines.append("\(report.products.count) products checked, \(failed) failing, \(report.products.filter(\.cached).count) from cache, \(report.errorCount) errors, \(report.warningCount) warnings.")
        return lines.joined(separator: "\n")
    }
}
