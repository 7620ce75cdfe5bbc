import ArgumentParser
import RegistryCore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Tell reviewers what this branch changes since it left REV: versions, fields, demographic fields, checks, signatures still needed.",
        discussion: """
        Compares HEAD with its common ancestor with REV (as a pull request does) and reads check results from the index \
        (run 'registry check' or 'registry check --merge' first). Exit status 0 whenever the report is written: it informs, it does not gate.
        Example: registry report --base origin/main --markdown > report.md
        """
    )

    @Option(name: .long, help: ArgumentHelp("The branch or commit this branch will merge into, such as origin/main.", valueName: "REV"))
    var base: String
    @Flag(name: .long, help: "Print Markdown for a pull-request comment instead of plain text.")
    var markdown = false
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if markdown && output.json { throw ValidationError("Pass --markdown or --json, not both.") }
    }

    func run() async throws {
        let report = try await global.openRegistry().changeReport(base: base)
        if markdown {
            print(report.markdown, terminator: "")
        } else {
            try output.emit(report) { report.text }
        }
    }
}
