import ArgumentParser
import RegistryCore

struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Bring the SQLite index up to date with git (only new commits), or rebuild it.",
        discussion: "Example: registry index --rebuild"
    )

    @Flag(name: .long, help: "Check the index page by page (moving a damaged one aside), forget what was indexed from git and index everything again (run history is kept; the audit trail is in git).")
    var rebuild = false
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let report = try await global.openRegistry(refreshingIndex: false, verifyingIndex: rebuild).updateIndex(rebuild: rebuild)
        try output.emit(report) {
            "Indexed \(report.newCommits) new commits; \(report.products) products at \(report.head.prefix(12))."
        }
    }
}
